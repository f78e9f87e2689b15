// Package gar holds the vocabulary shared by every part of entgar: the
// teaching degrees, the idENT and code normalisation rules, the profiles GAR
// accepts, the field limits of the GAR-ENT grammars and the naming of the
// archives and the files inside them (reference RTFS-GAR-ENT v8.2, §5).
//
// It has no I/O and no dependencies on the rest of the project, so that the
// export writer, the analyser, the simulator and the SSO code agree on one
// definition of each rule.
package gar
