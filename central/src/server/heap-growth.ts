import v8 from 'node:v8';

/**
 * How much V8 lets the heap grow past what a full collection left alive before it starts the
 * next one: 300 % (V8's own largest factor, ×4). Left to itself V8 judges a process that
 * mostly waits (on sockets, disks and PostgreSQL) a slow mutator and grows its heap by ×1.1,
 * about 9 MB over the API's ~37 MB, which the allocations of a few puts fill: a full
 * collection then ran every 1.5 to 2.5 s under live parks and most puts over 30 ms had one
 * inside them (docs/performance.md, "Full collections under live puts"). At ×4 the bench's
 * API peaked 5 MB higher (322 MB), well inside the pod's memory request.
 */
const HEAP_GROWING_PERCENT = 300;

/**
 * Sets the heap growth of a process that mostly waits: the API (before it serves), and the
 * ingest benches, whose simulated parks would otherwise collect every 1.5 to 3 s on four
 * helper threads, on the cores the API they measure needs (docs/performance.md, "The bench's
 * own collector"). Call once, at start.
 */
export function setHeapGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
