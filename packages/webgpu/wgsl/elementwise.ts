/**
 * Element loops on the device, one thread per output element: binary
 * arithmetic over broadcast strides, unary functions (core's `Unary`
 * codes), strided copies and matrix transposes. Dispatches are 2-D grids of
 * 256-thread workgroups (`index()`), so more than 65535·256 elements work.
 *
 * @module
 */

/** The flat thread index of a 2-D dispatch of 256-thread workgroups. */
export const INDEX_WGSL = /* wgsl */ `
fn index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * 256u;
}
`;

// Offset of flat index i over meta's shape at `shapeAt` with strides at `strideAt`.
const OFFSET_WGSL = /* wgsl */ `
fn offsetOf(i: u32, nd: u32, shapeAt: u32, strideAt: u32) -> u32 {
  var rest = i;
  var off = 0u;
  for (var ax = i32(nd) - 1; ax >= 0; ax--) {
    let d = prm[shapeAt + u32(ax)];
    off += (rest % d) * prm[strideAt + u32(ax)];
    rest /= d;
  }
  return off;
}
`;

/** Meta: total, op, nd, shape[nd], sa[nd], sb[nd]. */
export const BINARY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> O: array<f32>;
@group(0) @binding(3) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
${OFFSET_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(gid, nwg);
  if (i >= prm[0]) { return; }
  let nd = prm[2];
  let a = A[offsetOf(i, nd, 3u, 3u + nd)];
  let b = B[offsetOf(i, nd, 3u, 3u + 2u * nd)];
  switch prm[1] {
    case 0u: { O[i] = a + b; }
    case 1u: { O[i] = a - b; }
    case 2u: { O[i] = a * b; }
    case 3u: { O[i] = a / b; }
    default: { O[i] = a * select(0.0, 1.0, b > 0.0); }
  }
}
`;

/** Meta: total, op, c (f32 bits). */
export const UNARY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
fn sigmoid(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(gid, nwg);
  if (i >= prm[0]) { return; }
  let x = X[i];
  let c = bitcast<f32>(prm[2]);
  var y: f32;
  switch prm[1] {
    case 0u: { y = -x; }
    case 1u: { y = x * c; }
    case 2u: { y = x / c; }
    case 3u: { y = x * x; }
    case 4u: { y = sqrt(x); }
    case 5u: { y = exp(x); }
    case 6u: { y = log(x); }
    case 7u: { y = select(0.0, x, x > 0.0); }
    case 8u: { y = select(0.0, 1.0, x > 0.0); }
    case 9u: { y = sigmoid(x); }
    case 10u: { y = x * (1.0 - x); }
    case 11u: { y = tanh(clamp(x, -15.0, 15.0)); }
    default: { y = 1.0 - x * x; }
  }
  O[i] = y;
}
`;

/** Meta: total, nd, shape[nd], sx[nd]. */
export const EXPAND_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
${OFFSET_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(gid, nwg);
  if (i >= prm[0]) { return; }
  let nd = prm[1];
  O[i] = X[offsetOf(i, nd, 2u, 2u + nd)];
}
`;

/** Meta: total, rows, cols (of each source matrix). */
export const TRANSPOSE_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> O: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<u32>;
${INDEX_WGSL}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = index(gid, nwg);
  if (i >= prm[0]) { return; }
  let rows = prm[1];
  let cols = prm[2];
  let size = rows * cols;
  let mat = i / size;
  let rest = i % size;
  let c = rest / rows; // output is cols × rows
  let r = rest % rows;
  O[i] = X[mat * size + r * cols + c];
}
`;
