import { assert, assertEquals, assertMatch, assertStrictEquals, assertThrows } from "@std/assert";
import { parseCsv } from "./csv.ts";

Deno.test("parseCsv reads quoted fields, CRLF, a BOM and NaN-like cells", () => {
  const text =
    '\ufeffname,"a",b,y\r\n"x, one",1,2.5e1,3\r\n"y ""two""",-4,NA,6\r\nz,.5,?,\r\nw,7,8,9\r\n';
  const { data, dropped, ignored } = parseCsv(text, { targets: ["y"] });
  assertEquals(ignored, ["name"]);
  assertEquals(data.features, ["a", "b"]);
  assertStrictEquals(dropped, 2);
  assertEquals(data.x.toArray(), [[1, 25], [7, 8]]);
  assertEquals(data.y.toArray(), [[3], [9]]);
});

Deno.test("parseCsv takes the features asked for, in that order", () => {
  const { data } = parseCsv("a,b,c,y\n1,2,3,4\n", { targets: ["y"], features: ["c", "a"] });
  assertEquals(data.x.toArray(), [[3, 1]]);
});

Deno.test("parseCsv names the column, line and cell of a non-number", () => {
  // The regex names the class too: it is matched against String(error), "Name: message".
  assertMatch(
    String(
      assertThrows(() => parseCsv("a,y\n1,2\n\n0x10,3\n", { targets: ["y"] }, "f.csv"), Error),
    ),
    /^DataError: f\.csv: column "a" has a non-numeric cell "0x10" on line 4$/,
  );
  assertThrows(() => parseCsv("", { targets: ["y"] }, "f.csv"), Error, "f.csv: the file is empty");
  assertThrows(
    () => parseCsv("name,y\nq,1\n", { targets: ["y"] }, "f.csv"),
    Error,
    "f.csv: no numeric feature columns",
  );
});

Deno.test("parseCsv rejects non-finite cells, naming the column, line and text", () => {
  for (const bad of ["1e400", "-1E999", "inf", "-Infinity", "+INF", "infinity"]) {
    {
      const e = assertThrows(() =>
        parseCsv(`a,y\n1,2\n3,4\n${bad},5\n`, { targets: ["y"] }, "f.csv")
      );
      assert(e instanceof Error && e.name === "DataError", String(e));
      assertStrictEquals(e.message, `f.csv: column "a" has a non-finite cell "${bad}" on line 4`);
    }
  }
  // A target column too; NaN text is still a missing value (its row is dropped).
  assertThrows(
    () => parseCsv("a,y\n1,inf\n", { targets: ["y"] }),
    Error,
    'column "y" has a non-finite',
  );
  assertStrictEquals(parseCsv("a,y\n1,2\nNaN,3\n4,nan\n", { targets: ["y"] }).dropped, 2);
});

Deno.test("parseCsv quotes at most 40 characters of a long cell, on one line", () => {
  const long = "x".repeat(2 ** 18); // a 256 KB cell
  for (
    const [text, at] of [
      [`a,y\n1,2\n${long},3\n`, `column "a" has a non-numeric cell "${"x".repeat(40)}…" on line 3`],
      [`a,y\n1,2\n1e400${long},3\n`, `non-numeric cell "1e400${"x".repeat(35)}…" on line 3`],
      [`a,y\n1,"2\n${long}"\n`, `column "y" has a non-numeric cell "2\\n${"x".repeat(38)}…"`],
      [`a,y\n1,2\n${long}"bad,3\n`, `Invalid Opening Quote: a quote is found on field 0 at line 3`],
      [`a,${long}\n1,2\n`, `no target column "y"; the columns are a, ${"x".repeat(40)}…`],
    ]
  ) {
    {
      const e = assertThrows(() => parseCsv(text!, { targets: ["y"] }, "f.csv"));
      assert(e instanceof Error);
      assert(e.message.includes(at!), e.message.slice(0, 300));
      assert(e.message.length < 240 && !e.message.includes("\n"), `${e.message.length} chars`);
    }
  }
});
