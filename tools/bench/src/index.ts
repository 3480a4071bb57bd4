export { parseBenchArgs, type BenchArgs } from './args.js';
export { COMPARISONS, type Comparison, type Variant } from './comparisons.js';
export { formatTable, median, renderSvg, saveReport, type BenchReport } from './report.js';
export { runBench } from './run.js';
export { SCENARIOS, type Scenario } from './scenarios.js';
