import assert from "node:assert/strict";
import { parseCsv } from "./csv.ts";

Deno.test("parseCsv reads quoted fields, CRLF, a BOM and NaN-like cells", () => {
  const text =
    '\ufeffname,"a",b,y\r\n"x, one",1,2.5e1,3\r\n"y ""two""",-4,NA,6\r\nz,.5,?,\r\nw,7,8,9\r\n';
  const { data, dropped, ignored } = parseCsv(text, { targets: ["y"] });
  assert.deepEqual(ignored, ["name"]);
  assert.deepEqual(data.features, ["a", "b"]);
  assert.equal(dropped, 2);
  assert.deepEqual(data.x.toArray(), [[1, 25], [7, 8]]);
  assert.deepEqual(data.y.toArray(), [[3], [9]]);
});

Deno.test("parseCsv takes the features asked for, in that order", () => {
  const { data } = parseCsv("a,b,c,y\n1,2,3,4\n", { targets: ["y"], features: ["c", "a"] });
  assert.deepEqual(data.x.toArray(), [[3, 1]]);
});

Deno.test("parseCsv names the column, line and cell of a non-number", () => {
  assert.throws(
    () => parseCsv("a,y\n1,2\n\n0x10,3\n", { targets: ["y"] }, "f.csv"),
    /^DataError: f\.csv: column "a" has a non-numeric cell "0x10" on line 4$/,
  );
  assert.throws(() => parseCsv("", { targets: ["y"] }, "f.csv"), /f\.csv: the file is empty/);
  assert.throws(
    () => parseCsv("name,y\nq,1\n", { targets: ["y"] }, "f.csv"),
    /f\.csv: no numeric feature columns/,
  );
});
