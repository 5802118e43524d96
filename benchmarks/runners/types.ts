/**
 * What every runner (one library in one configuration) implements.
 *
 * @module
 */
import type { Data, Operands } from "../inputs.ts";
import type { Case, DType, Op } from "../shapes.ts";

/** A case made ready to run: operands converted and resident where the library wants them. */
export interface Prepared {
  /** The timed part: runs the op to completion (results ready to read). */
  run(): void | Promise<void>;
  /** The last run's results: [C] forward, [dA, dB] backward, row-major. */
  read(): Data[] | Promise<Data[]>;
  /** Frees what `prepare` and `run` allocated. */
  dispose(): void;
}

/** One library in one configuration, loaded. */
export interface Runner {
  /** Readable notes for the report: versions, how the backward is computed. */
  readonly notes: string;
  /** Which (op, dtype) pairs it runs. */
  supports(op: Op, dtype: DType): boolean;
  /** Converts operands (untimed) and returns the case ready to run. */
  prepare(c: Case, x: Operands): Promise<Prepared>;
  /** Releases workers and backends. */
  close(): Promise<void>;
}

/** Who wrote the code measured: ours or a peer's. */
export type Kind = "matgrad" | "peer";

/** A runner before loading: `load` throws when the library or backend is not there. */
export interface RunnerSpec {
  /** A stable id, used on the command line and in the JSON. */
  readonly id: string;
  /** The row label of the table. */
  readonly label: string;
  readonly kind: Kind;
  /** Threads doing arithmetic (the caller's thread is not counted when it only waits). */
  readonly threads: number;
  /** Which table: matrix products or training steps. */
  readonly bench: "matmul" | "train";
  load(): Promise<Runner>;
}
