import v8 from 'node:v8';

/**
 * How much V8 lets the API's heap grow past what a full collection left alive before it starts
 * the next one: 300 % (V8's own largest factor, ×4). Left to itself V8 judges the API's
 * mutator slow (it mostly waits on sockets, disks and PostgreSQL) and grows by ×1.1, about
 * 9 MB over a ~37 MB heap, which the allocations of a few puts fill: a full collection then ran
 * every 1.5 to 2.5 s under live parks and most puts over 30 ms had one inside them
 * (docs/performance.md, "Full collections under live puts"). At ×4 the bench's API peaked
 * 5 MB higher (322 MB), well inside the pod's memory request.
 */
const HEAP_GROWING_PERCENT = 300;

/** Sets the API's heap growth; call once, before serving. */
export function setApiHeapGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
