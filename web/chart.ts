import { html, useEffect, useRef, type VNode } from '/assets/htm-preact.mjs';
import uPlot from '/assets/uplot.mjs';

/** A small uPlot line chart: x values and one or more named series (null: no point). */
export interface Series {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly stroke: string;
}

export function Chart(props: {
  title: string;
  xLabel: string;
  x: readonly number[];
  series: readonly Series[];
}): VNode {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!box.current) return undefined;
    const opts: uPlot.Options = {
      title: props.title,
      width: Math.min(720, box.current.clientWidth || 720),
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: props.xLabel }, {}],
      series: [{ label: props.xLabel }, ...props.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
    };
    plot.current = new uPlot(opts, [[], ...props.series.map(() => [])] as unknown as uPlot.AlignedData, box.current);
    return () => plot.current?.destroy();
  }, [props.series.length]);
  useEffect(() => {
    plot.current?.setData([props.x as number[], ...props.series.map((s) => s.values as number[])] as uPlot.AlignedData);
  });
  return html`<figure class="chart"><div ref=${box} role="img" aria-label=${props.title}></div></figure>`;
}
