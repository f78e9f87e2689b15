package analyse

// fpset is a set of 63-bit fingerprints with one flag bit each, in an
// open-addressing table: about 12 bytes per member, against some 40 for a
// Go map of strings. Persons are kept this way, so that a million pupils
// cost some 16 MB.
type fpset struct {
	slots []uint64
	n     int
}

const fpFlag = 1

func fpKey(fp uint64) uint64 {
	k := fp &^ fpFlag
	if k == 0 {
		k = 2
	}
	return k
}

// add inserts fp, or-ing flag into the member's flag bit.
func (s *fpset) add(fp uint64, flag bool) {
	if (s.n+1)*4 >= len(s.slots)*3 {
		s.grow()
	}
	k := fpKey(fp)
	v := k
	if flag {
		v |= fpFlag
	}
	mask := uint64(len(s.slots) - 1)
	for i := (k >> 1) & mask; ; i = (i + 1) & mask {
		switch {
		case s.slots[i] == 0:
			s.slots[i] = v
			s.n++
			return
		case s.slots[i]&^fpFlag == k:
			s.slots[i] |= v
			return
		}
	}
}

// get reports whether fp is a member and its flag.
func (s *fpset) get(fp uint64) (member, flag bool) {
	if s.n == 0 {
		return false, false
	}
	k := fpKey(fp)
	mask := uint64(len(s.slots) - 1)
	for i := (k >> 1) & mask; ; i = (i + 1) & mask {
		switch {
		case s.slots[i] == 0:
			return false, false
		case s.slots[i]&^fpFlag == k:
			return true, s.slots[i]&fpFlag != 0
		}
	}
}

func (s *fpset) grow() {
	old := s.slots
	size := 1 << 12
	if len(old) > 0 {
		size = 2 * len(old)
	}
	s.slots, s.n = make([]uint64, size), 0
	for _, v := range old {
		if v != 0 {
			s.add(v, v&fpFlag != 0)
		}
	}
}
