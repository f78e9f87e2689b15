package export

// idSet tells whether a person id was already seen in one source file.
//
// A file sorted by id (what `entgar gen` writes and what an ORDER BY gives)
// is checked in constant memory: a duplicate can only follow its twin. At
// the first id out of order, the set reads back the ids of the lines before
// it through rescan and keeps every id from then on, so an unsorted file is
// still de-duplicated exactly, at the cost of memory proportional to its
// size.
type idSet struct {
	last     string
	lastLine int
	any      bool
	seen     map[string]int // id -> line; nil while the file is sorted
	// rescan calls add for every id of the lines before line, with the line
	// where it stands.
	rescan func(before int, add func(id string, line int)) error
	// unsorted is called once, when the set leaves the constant-memory path.
	unsorted func(line int)
}

// add records id read at line. It returns the line of an earlier record
// with the same id, or 0.
func (s *idSet) add(id string, line int) (int, error) {
	if s.seen == nil {
		switch {
		case !s.any || id > s.last:
			s.last, s.lastLine, s.any = id, line, true
			return 0, nil
		case id == s.last:
			return s.lastLine, nil
		}
		if s.unsorted != nil {
			s.unsorted(line)
		}
		s.seen = make(map[string]int)
		err := s.rescan(line, func(id string, at int) {
			if _, dup := s.seen[id]; !dup {
				s.seen[id] = at
			}
		})
		if err != nil {
			return 0, err
		}
	}
	if at, dup := s.seen[id]; dup {
		return at, nil
	}
	s.seen[id] = line
	return 0, nil
}
