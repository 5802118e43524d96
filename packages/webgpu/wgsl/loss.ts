/**
 * The losses on the device: mean squared error in core's blocks, its
 * gradient (scaled by the incoming gradient read on the device, so no
 * value comes back to the host), and row-wise softmax cross-entropy with
 * its gradient. Float32 throughout.
 *
 * @module
 */
import { INDEX_WGSL } from "./elementwise.ts";

/** Meta: n, blockLen, blocks. One thread per block. */
export const MSE_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read> T: array<f32>;
@group(0) @binding(2) var<storage, read_write> S: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = index(gid, nwg);
  if (b >= prm[2]) { return; }
  let i1 = min(prm[0], (b + 1u) * prm[1]);
  var acc = 0.0;
  for (var i = b * prm[1]; i < i1; i++) {
    let d = P[i] - T[i];
    acc += d * d;
  }
  S[b] = acc;
}
`;

/** Meta: total, count n. `out = (gs[0] / n) · 2(p − t)`. */
export const MSE_GRAD_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read> T: array<f32>;
@group(0) @binding(2) var<storage, read> GS: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
@group(0) @binding(4) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(gid, nwg);
  if (i >= prm[0]) { return; }
  let w = GS[0] / f32(prm[1]);
  O[i] = w * (2.0 * (P[i] - T[i]));
}
`;

/** Meta: rows, c, indexed. One thread per row. */
export const XENT_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> Z: array<f32>;
@group(0) @binding(1) var<storage, read> L: array<f32>;
@group(0) @binding(2) var<storage, read_write> PR: array<f32>;
@group(0) @binding(3) var<storage, read_write> LS: array<f32>;
@group(0) @binding(4) var<storage, read_write> LOSS: array<f32>;
@group(0) @binding(5) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * 64u;
  let rows = prm[0];
  let c = prm[1];
  if (r >= rows) { return; }
  let off = r * c;
  var mx = -3.4028234663852886e38;
  for (var j = 0u; j < c; j++) { mx = max(mx, Z[off + j]); }
  var s = 0.0;
  for (var j = 0u; j < c; j++) { s += exp(Z[off + j] - mx); }
  let lse = mx + log(s);
  var loss = 0.0;
  for (var j = 0u; j < c; j++) {
    let ls = Z[off + j] - lse;
    LS[off + j] = ls;
    PR[off + j] = exp(ls);
    if (prm[2] == 0u) { loss -= L[off + j] * ls; }
  }
  if (prm[2] != 0u) {
    let k = min(u32(max(L[r], 0.0)), c - 1u);
    loss = -LS[off + k];
  }
  LOSS[r] = loss;
}
`;

/** Meta: rows, c, indexed, count n. One thread per row. */
export const XENT_GRAD_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> PR: array<f32>;
@group(0) @binding(1) var<storage, read> L: array<f32>;
@group(0) @binding(2) var<storage, read> GS: array<f32>;
@group(0) @binding(3) var<storage, read_write> O: array<f32>;
@group(0) @binding(4) var<storage, read> prm: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * 64u;
  let rows = prm[0];
  let c = prm[1];
  if (r >= rows) { return; }
  let indexed = prm[2] != 0u;
  let w = GS[0] / f32(prm[3]);
  let off = r * c;
  var mass = 1.0;
  var k = 0u;
  if (indexed) {
    k = min(u32(max(L[r], 0.0)), c - 1u);
  } else {
    mass = 0.0;
    for (var j = 0u; j < c; j++) { mass += L[off + j]; }
  }
  for (var j = 0u; j < c; j++) {
    var p: f32;
    if (indexed) { p = select(0.0, 1.0, j == k); } else { p = L[off + j]; }
    O[off + j] = (PR[off + j] * mass - p) * w;
  }
}
`;
