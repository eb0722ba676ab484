// Draws the report's charts with uPlot (inlined before this script) from the JSON in
// #report-data. Runs in the browser, so it is plain JavaScript. Fault windows are DOM bands over
// each plot (labelled, printable, and countable by the test); every chart records how many data
// points it drew in data-points.
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const PALETTE = ['#1f5fa8', '#d9822b', '#2a9d4b', '#b3261e', '#7b4fb3', '#5b6770', '#0f8b8d', '#a15c00'];
  const HEIGHT = 190;
  const sync = uPlot.sync('faultline-time');
  const plots = [];
  const maxDuration = Math.max(1, ...data.columns.map((c) => c.duration));

  const finite = (values) => values.filter((v) => v !== null && Number.isFinite(v));
  const colourOf = (() => {
    const seen = new Map();
    return (label) => {
      if (!seen.has(label)) seen.set(label, PALETTE[seen.size % PALETTE.length]);
      return seen.get(label);
    };
  })();
  const widthOf = (el) => Math.max(240, Math.floor(el.getBoundingClientRect().width));

  function placeBands(u, bands) {
    u.over.querySelectorAll('.fault-band').forEach((b) => b.remove());
    for (const band of bands) {
      const left = u.valToPos(band.start, 'x');
      const right = u.valToPos(Math.min(band.end, u.scales.x.max), 'x');
      const el = document.createElement('div');
      el.className = 'fault-band';
      el.title = `${band.label}: ${band.start.toFixed(1)}–${band.end.toFixed(1)} s`;
      el.style.left = `${left}px`;
      el.style.width = `${Math.max(2, right - left)}px`;
      el.innerHTML = `<span></span>`;
      el.firstChild.textContent = band.label;
      u.over.appendChild(el);
    }
  }

  function timeChart(el, row, cell, column, yMax) {
    const opts = {
      width: widthOf(el),
      height: HEIGHT,
      scales: { x: { time: false, range: [0, maxDuration] }, y: { range: [0, yMax > 0 ? yMax * 1.08 : 1] } },
      axes: [
        { label: 's from load start', size: 38, labelSize: 16 },
        { label: row.unit, size: 56, labelSize: 16 },
      ],
      series: [{ label: 's' }, ...cell.series.map((s) => ({ label: s.label, stroke: colourOf(s.label), width: 1.5, points: { show: false } }))],
      legend: { live: false },
      cursor: { sync: { key: sync.key } },
      hooks: { ready: [(u) => placeBands(u, column.faults)], setSize: [(u) => placeBands(u, column.faults)] },
    };
    const plot = new uPlot(opts, [cell.x, ...cell.series.map((s) => s.values)], el);
    el.dataset.points = String(cell.series.reduce((n, s) => n + finite(s.values).length, 0));
    plots.push({ plot, el });
  }

  const percentileLabel = (x) => {
    if (x === null) return '';
    const p = 100 * (1 - 1 / x);
    return p <= 0 ? '0%' : `${Number(p.toPrecision(6))}%`;
  };

  function distributionChart(el, curves, yMax, xMax) {
    const joined = uPlot.join(curves.map((c) => [c.x, c.y]));
    const opts = {
      width: widthOf(el),
      height: HEIGHT + 30,
      scales: { x: { time: false, distr: 3, log: 10, range: [1, xMax] }, y: { range: [0, yMax > 0 ? yMax * 1.08 : 1] } },
      axes: [
        { label: 'percentile (log scale of 1/(1-p))', size: 38, labelSize: 16, values: (u, ticks) => ticks.map(percentileLabel), splits: () => [1, 2, 10, 100, 1000, 10000, 100000].filter((t) => t <= xMax) },
        { label: 'latency ms', size: 56, labelSize: 16 },
      ],
      legend: { live: false },
      series: [{ label: 'percentile', value: (u, v) => (v === null ? '' : percentileLabel(v)) }, ...curves.map((c) => ({ label: `${c.label} (n=${c.count})`, stroke: colourOf(c.label), width: 1.8, spanGaps: true, points: { show: false } }))],
    };
    const plot = new uPlot(opts, joined, el);
    el.dataset.points = String(curves.reduce((n, c) => n + c.y.length, 0));
    plots.push({ plot, el });
  }

  data.rows.forEach((row) => {
    const yMax = Math.max(0, ...row.cells.flatMap((cell) => (cell ? cell.series.flatMap((s) => finite(s.values)) : [])));
    row.cells.forEach((cell, i) => {
      if (!cell) return;
      timeChart(document.querySelector(`[data-chart="${row.id}"][data-column="${i}"]`), row, cell, data.columns[i], yMax);
    });
  });
  const distMax = Math.max(0, ...data.distributions.flatMap((curves) => curves.flatMap((c) => c.y)));
  const distX = Math.max(10, ...data.distributions.flatMap((curves) => curves.flatMap((c) => c.x)));
  data.distributions.forEach((curves, i) => {
    if (curves.length) distributionChart(document.querySelector(`[data-chart="distribution"][data-column="${i}"]`), curves, distMax, distX);
  });

  const resize = () => plots.forEach(({ plot, el }) => plot.setSize({ width: widthOf(el), height: plot.height }));
  let pending;
  window.addEventListener('resize', () => {
    clearTimeout(pending);
    pending = setTimeout(resize, 100);
  });
  window.addEventListener('beforeprint', resize);
  window.addEventListener('afterprint', resize);
  document.body.dataset.chartsDrawn = String(plots.length);
})();
