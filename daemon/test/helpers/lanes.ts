// One helper for both packages' suites (see control-plane/test/helpers/lanes.ts).
export { runOnceAcrossEngines } from '../../../control-plane/test/helpers/lanes.ts';
