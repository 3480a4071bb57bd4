export { parseBenchArgs, type BenchArgs } from './args.js';
export { COMPARISONS, type Comparison, type Variant } from './comparisons.js';
export { formatTable, median, renderSvg, saveReport, type BenchReport } from './report.js';
export { runBench } from './run.js';
export { SCENARIOS, type Scenario } from './scenarios.js';
export { runTopologies, TOPOLOGIES, TOPOLOGY_SCENARIOS, loadsOf, type Topology } from './topologies.js';
export { formatTopologyTable, loadLabel, renderTopologySvg, saveTopologyReport, summariseTopology, topologyRatio, type TopologyRun } from './topology-report.js';
export { runLoad, runOpenLoad, percentile, type LoadTarget, type FollowUp, type LoadResult } from './load.js';
