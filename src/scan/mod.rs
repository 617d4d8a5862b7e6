//! Scan: the parallel extraction engine. Maps sources, splits large ones into
//! newline-aligned chunks, prefilters lines with one multi-literal automaton built
//! from every grammar's needles, parses envelopes and grammars only on candidate
//! lines, resolves time, and merges results in a thread-count-independent order.
