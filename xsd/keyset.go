package xsd

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
)

// keySet is the set of one xs:key's values in a document. Values live in
// one arena indexed by their hash, so that adding one allocates nothing
// once the set has grown; it is cleared, not freed, between documents.
type keySet struct {
	seed  maphash.Seed
	arena []byte
	index map[uint64]uint32 // hash -> offset of the value in arena
	other map[string]struct{}
}

func newKeySet() *keySet {
	return &keySet{seed: maphash.MakeSeed(), index: map[uint64]uint32{}}
}

func (s *keySet) reset() {
	s.arena = s.arena[:0]
	clear(s.index)
	s.other = nil
}

// add inserts b and reports whether it was already there.
func (s *keySet) add(b []byte) bool {
	h := maphash.Bytes(s.seed, b)
	if off, ok := s.index[h]; ok {
		n, w := binary.Uvarint(s.arena[off:])
		if bytes.Equal(s.arena[int(off)+w:int(off)+w+int(n)], b) {
			return true
		}
		// Another value with the same hash: rare, kept aside.
		if s.other == nil {
			s.other = map[string]struct{}{}
		}
		if _, dup := s.other[string(b)]; dup {
			return true
		}
		s.other[string(b)] = struct{}{}
		return false
	}
	s.index[h] = uint32(len(s.arena))
	s.arena = binary.AppendUvarint(s.arena, uint64(len(b)))
	s.arena = append(s.arena, b...)
	return false
}
