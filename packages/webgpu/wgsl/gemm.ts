/**
 * The batched product on the device: 64×64 output tiles per workgroup of
 * 16×16 threads, 4×4 outputs per thread, k-tiles 16 deep in workgroup
 * memory (8 KiB), one fused multiply-add chain per output over the terms in
 * order. Loads outside the matrices read zeros; stores outside are skipped,
 * so every size works (no vec4: scalar loads only).
 *
 * Meta (u32): m, n, k, ldx, ldy, ldc, transX, transY, outputs, then
 * cOffsets[outputs], termStart[outputs + 1], xOffsets[terms], yOffsets[terms].
 *
 * @module
 */

/** Output tile edge. */
export const GEMM_TILE = 64;

/** The WGSL source. */
export const GEMM_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Y: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

const TILE: u32 = 64u;
const KT: u32 = 16u;
var<workgroup> As: array<f32, 1024>; // [KT][TILE]: As[kk * TILE + row]
var<workgroup> Bs: array<f32, 1024>; // [KT][TILE]: Bs[kk * TILE + col]

fn loadX(off: u32, row: u32, kk: u32, m: u32, k: u32, ldx: u32, tx: bool) -> f32 {
  if (row >= m || kk >= k) { return 0.0; }
  if (tx) { return X[off + kk * ldx + row]; }
  return X[off + row * ldx + kk];
}

fn loadY(off: u32, kk: u32, col: u32, k: u32, n: u32, ldy: u32, ty: bool) -> f32 {
  if (col >= n || kk >= k) { return 0.0; }
  if (ty) { return Y[off + col * ldy + kk]; }
  return Y[off + kk * ldy + col];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m = prm[0]; let n = prm[1]; let k = prm[2];
  let ldx = prm[3]; let ldy = prm[4]; let ldc = prm[5];
  let tx = prm[6] != 0u; let ty = prm[7] != 0u;
  let outputs = prm[8];
  let o = wg.z;
  let cOff = prm[9u + o];
  let ts = 9u + outputs;
  let terms = prm[ts + outputs];
  let xo = ts + outputs + 1u;
  let yo = xo + terms;
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let lin = lid.y * 16u + lid.x;
  var acc: array<f32, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = 0.0; }
  for (var t = prm[ts + o]; t < prm[ts + o + 1u]; t++) {
    let xOff = prm[xo + t];
    let yOff = prm[yo + t];
    for (var k0 = 0u; k0 < k; k0 += KT) {
      // 1024 elements of each tile, 4 per thread; neighbouring threads read
      // neighbouring addresses (along k where a row is contiguous).
      for (var e = 0u; e < 4u; e++) {
        let idx = lin + e * 256u;
        var kk = idx / TILE;
        var r = idx % TILE;
        if (!tx) { kk = idx % KT; r = idx / KT; }
        As[kk * TILE + r] = loadX(xOff, row0 + r, k0 + kk, m, k, ldx, tx);
        kk = idx / TILE;
        r = idx % TILE;
        if (ty) { kk = idx % KT; r = idx / KT; }
        Bs[kk * TILE + r] = loadY(yOff, k0 + kk, col0 + r, k, n, ldy, ty);
      }
      workgroupBarrier();
      for (var kk = 0u; kk < KT; kk++) {
        var a: array<f32, 4>;
        var b: array<f32, 4>;
        for (var i = 0u; i < 4u; i++) {
          a[i] = As[kk * TILE + lid.y * 4u + i];
          b[i] = Bs[kk * TILE + lid.x * 4u + i];
        }
        for (var i = 0u; i < 4u; i++) {
          for (var j = 0u; j < 4u; j++) {
            acc[i * 4u + j] = fma(a[i], b[j], acc[i * 4u + j]);
          }
        }
      }
      workgroupBarrier();
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    if (r >= m) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x * 4u + j;
      if (c < n) { C[cOff + r * ldc + c] = acc[i * 4u + j]; }
    }
  }
}
`;

/**
 * Thin products (fewer than 16 rows or columns: matrix-vector shapes), one
 * thread per output element, each one fused multiply-add chain over the
 * terms in order: the tiled kernel would compute 64-wide tiles of mostly
 * padding. Same meta as {@linkcode GEMM_WGSL}; a 2-D grid over m·n, z over
 * the outputs.
 */
export const GEMM_THIN_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Y: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let m = prm[0]; let n = prm[1]; let k = prm[2];
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= m * n) { return; }
  let row = i / n;
  let col = i % n;
  let ldx = prm[3]; let ldy = prm[4]; let ldc = prm[5];
  let tx = prm[6] != 0u; let ty = prm[7] != 0u;
  let outputs = prm[8];
  let o = gid.z;
  let ts = 9u + outputs;
  let terms = prm[ts + outputs];
  let xo = ts + outputs + 1u;
  let yo = xo + terms;
  // Element strides along k of x's row and y's column.
  let sx = select(1u, ldx, tx);
  let sy = select(ldy, 1u, ty);
  var acc = 0.0;
  for (var t = prm[ts + o]; t < prm[ts + o + 1u]; t++) {
    var px = prm[xo + t] + select(row * ldx, row, tx);
    var py = prm[yo + t] + select(col, col * ldy, ty);
    for (var kk = 0u; kk < k; kk++) {
      acc = fma(X[px], Y[py], acc);
      px += sx;
      py += sy;
    }
  }
  C[prm[9u + o] + row * ldc + col] = acc;
}
`;
