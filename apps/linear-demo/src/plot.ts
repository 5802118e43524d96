/**
 * The loss curves as a self-contained SVG line chart. Scales, "nice" tick
 * values and their labels come from d3-scale (a log axis with 1-2-5 ticks is
 * fiddly to get right by hand); the path data from d3-shape; the markup is a
 * few template strings, so no DOM is needed and it runs in Deno and pages.
 *
 * @module
 */
import { scaleLinear, scaleLog } from "d3-scale";
import { line } from "d3-shape";

/** A named series of (epoch, loss) points. */
export interface LossSeries {
  /** Legend label, e.g. "train". */
  name: string;
  /** Stroke colour. */
  color: string;
  /** Points; non-finite losses are skipped. */
  points: readonly (readonly [number, number])[];
}

/** Text and size of {@linkcode lossChartSvg}. */
export interface ChartOptions {
  /** Title above the plot. */
  title: string;
  /** Label of the vertical axis. Default: "loss (MSE)". */
  yLabel?: string;
  /** Pixel width. Default 640. */
  width?: number;
  /** Pixel height. Default 400. */
  height?: number;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Draws loss against epoch for each series: labelled axes with ticks, a log
 * vertical axis when every loss is positive (losses fall by orders of
 * magnitude), a legend and a title.
 *
 * @example
 * ```ts
 * import { lossChartSvg } from "@matgrad/linear-demo";
 * import { assertMatch } from "@std/assert";
 *
 * const svg = lossChartSvg([{ name: "train", color: "#1f77b4", points: [[0, 10], [1, 1], [2, 0.1]] }],
 *   { title: "Loss" });
 * assertMatch(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
 * assertMatch(svg, />epoch</);
 * ```
 */
export function lossChartSvg(series: readonly LossSeries[], options: ChartOptions): string {
  const width = options.width ?? 640, height = options.height ?? 400;
  const margin = { top: 40, right: 110, bottom: 50, left: 80 };
  const pts = series.map((s) => ({
    ...s,
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  }));
  const all = pts.flatMap((s) => s.points);
  const xs = all.map(([x]) => x), ys = all.map(([, y]) => y);
  const xMax = Math.max(1, ...xs), xMin = Math.min(xMax - 1, ...xs);
  const useLog = ys.length > 0 && ys.every((y) => y > 0);
  let yMin = ys.length ? Math.min(...ys) : 0, yMax = ys.length ? Math.max(...ys) : 1;
  if (yMin === yMax) [yMin, yMax] = useLog ? [yMin / 2, yMax * 2] : [yMin - 1, yMax + 1];
  const x = scaleLinear().domain([xMin, xMax]).range([margin.left, width - margin.right]);
  const y = (useLog ? scaleLog() : scaleLinear()).domain([yMin, yMax])
    .range([height - margin.bottom, margin.top]).nice();
  const xTicks = x.ticks(Math.min(10, xMax - xMin)).filter(Number.isInteger);
  const yTicks = y.ticks(6);
  const yFormat = y.tickFormat(6, "~g");
  const left = margin.left, bottom = height - margin.bottom;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${
      escapeXml(options.title)
    }</text>`,
    `<g class="x-axis">`,
    `<line x1="${left}" y1="${bottom}" x2="${
      width - margin.right
    }" y2="${bottom}" stroke="black"/>`,
  );
  for (const t of xTicks) {
    const px = x(t).toFixed(1);
    out.push(
      `<line x1="${px}" y1="${bottom}" x2="${px}" y2="${bottom + 5}" stroke="black"/>`,
      `<text x="${px}" y="${bottom + 18}" text-anchor="middle">${t}</text>`,
    );
  }
  out.push(
    `<text class="axis-label" x="${(left + width - margin.right) / 2}" y="${height - 10}" ` +
      `text-anchor="middle">epoch</text>`,
    `</g>`,
    `<g class="y-axis">`,
    `<line x1="${left}" y1="${margin.top}" x2="${left}" y2="${bottom}" stroke="black"/>`,
  );
  for (const t of yTicks) {
    const py = y(t).toFixed(1);
    const label = yFormat(t);
    out.push(`<line x1="${left - 5}" y1="${py}" x2="${left}" y2="${py}" stroke="black"/>`);
    if (label !== "") {
      out.push(
        `<line x1="${left}" y1="${py}" x2="${width - margin.right}" y2="${py}" stroke="#ddd"/>`,
        `<text x="${
          left - 8
        }" y="${py}" text-anchor="end" dominant-baseline="middle">${label}</text>`,
      );
    }
  }
  const yLabel = (options.yLabel ?? "loss (MSE)") + (useLog ? ", log scale" : "");
  const cy = (margin.top + bottom) / 2;
  out.push(
    `<text class="axis-label" x="18" y="${cy}" text-anchor="middle" ` +
      `transform="rotate(-90 18 ${cy})">${escapeXml(yLabel)}</text>`,
    `</g>`,
  );
  const path = line<readonly [number, number]>().x(([px]) => x(px)).y(([, py]) => y(py))
    .digits(2);
  pts.forEach((s, i) => {
    if (s.points.length === 0) return;
    out.push(
      `<path class="series" data-name="${escapeXml(s.name)}" d="${path(s.points)}" ` +
        `fill="none" stroke="${escapeXml(s.color)}" stroke-width="2"/>`,
    );
    const ly = margin.top + 10 + 20 * i, lx = width - margin.right + 12;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${escapeXml(s.color)}" ` +
        `stroke-width="2"/>`,
      `<text x="${lx + 26}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
    );
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
