// Plots (nr.viz): training history, confusion matrix, image grid and model diagram as Vega-Lite charts (SVG or PNG), and live SVG charts in a page.
export { Chart, type ChartOptions } from './chart.js';
export { initRenderer, svgToPNG, type RendererOptions, type PNGOptions } from './render.js';
export { plotHistory, historyPlot, type HistoryLike, type HistoryPlotOptions } from './history.js';
export { plotConfusionMatrix, type ClassInput, type ConfusionPlotOptions } from './confusion.js';
export { plotImages, type ImagesPlotOptions } from './images.js';
export {
  plotModel,
  type PlottableModel,
  type PlottableLayer,
  type PlottableNode,
  type ModelPlotOptions,
} from './model.js';
export {
  lineChartSVG,
  niceTicks,
  fitCallbacks,
  FitChart,
  render,
  type LineSeries,
  type LineChartOptions,
  type FitChartOptions,
  type SvgContainer,
} from './live.js';
