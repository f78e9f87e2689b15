// Package analyse predicts, from an archive alone, what GAR's collecte will
// say about it: the checks of the conformity step (names, MD5, tar, the
// GAR-ENT grammar), the functional keys, the coherence controls of the
// reference's annex §9 that need nothing but the archive, and, given the
// previous archive, the "calcul des écarts" with the mass-deletion guard.
//
// Archive reads the archive once, streaming. Memory is bounded by the
// reference data (establishments, MEF, subjects, groups), a compact set of
// person fingerprints and fixed-size sort buffers; node keys are spilled to
// temporary files and merged, so it does not grow with the number of nodes.
package analyse
