import { assert, assertEquals, assertNotEquals, assertStrictEquals } from "@std/assert";
import {
  fitStandardizer,
  fromRows,
  rows,
  splitDataset,
  standardize,
  unstandardize,
} from "./dataset.ts";

Deno.test("splitDataset partitions the rows: each exactly once, reproducibly", () => {
  const xs = Array.from({ length: 101 }, (_, i) => [i, -i]);
  const { data } = fromRows(xs, xs.map(([i]) => [i! * 2]), ["a", "b"], ["y"]);
  const a = splitDataset(data, { testFraction: 0.25, seed: 9 });
  const b = splitDataset(data, { testFraction: 0.25, seed: 9 });
  assertEquals([rows(a.train), rows(a.test)], [76, 25]);
  assertEquals(a.test.x.data, b.test.x.data);
  const ids = [...a.train.x.data, ...a.test.x.data].filter((_, k) => k % 2 === 0).sort((p, q) =>
    p - q
  );
  assertEquals(ids, xs.map(([i]) => i));
  // rows stay whole: y = 2a on both sides
  for (const part of [a.train, a.test]) {
    for (let r = 0; r < rows(part); r++) {
      assertStrictEquals(part.y.data[r], 2 * part.x.data[2 * r]!);
    }
  }
  assertNotEquals(
    splitDataset(data, { testFraction: 0.25, seed: 10 }).test.x.data,
    a.test.x.data,
  );
});

Deno.test("standardize gives columns of mean 0 and std 1, and unstandardize inverts it", () => {
  const { data } = fromRows([[1, 10], [2, 10], [6, 10]], [[0], [0], [0]], ["a", "c"], ["y"]);
  const s = fitStandardizer(data.x);
  assertEquals(s.mean, [3, 10]);
  assertStrictEquals(s.std[1], 1); // constant column: left finite
  const z = standardize(data.x, s);
  const col0 = [z.data[0]!, z.data[2]!, z.data[4]!];
  assert(Math.abs(col0.reduce((p, q) => p + q, 0)) < 1e-15);
  assert(Math.abs(col0.reduce((p, q) => p + q * q, 0) / 3 - 1) < 1e-15);
  assertEquals([...unstandardize(z, s).data], [...data.x.data]);
});

Deno.test("fromRows drops and counts rows holding a NaN in features or targets", () => {
  const { data, dropped } = fromRows([[1], [NaN], [3], [4]], [[1], [2], [NaN], [4]], ["a"], ["y"]);
  assertStrictEquals(dropped, 2);
  assertEquals(data.x.toArray(), [[1], [4]]);
  assertEquals(data.y.toArray(), [[1], [4]]);
});
