package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/entgar/entgar/gar"
)

// Delivered records an archive of the out directory that was delivered to
// GAR (put in ENTRANT with its MD5). The last one of each idENT and degree
// is never pruned by retention: the mass-deletion guard, `analyse
// --previous` and IDO continuity compare with it.
type Delivered struct {
	Ident  string     `json:"ident"`
	Degree gar.Degree `json:"degree"`
	// Archive is the archive's file name in the out directory; its MD5
	// file is beside it.
	Archive string `json:"archive"`
	// Stamp is the archive's AAAAMMJJ_HHMMSS stamp.
	Stamp string `json:"stamp"`
	// MD5 is the archive's checksum (lower-case hex); Bytes its size.
	MD5   string `json:"md5"`
	Bytes int64  `json:"bytes"`
	// Server and Remote say where it was put (host:port, and the path
	// relative to sftp.root).
	Server string `json:"server"`
	Remote string `json:"remote"`
	// DeliveredAt is when its MD5 was in place.
	DeliveredAt time.Time `json:"delivered_at"`
}

// Path returns the archive's path in the out directory dir.
func (d Delivered) Path(dir string) string { return filepath.Join(dir, d.Archive) }

// DeliveredFile is the name of the file, in the out directory, recording
// the last delivery of each idENT and degree.
const DeliveredFile = ".entgar-delivered.json"

type deliveredState struct {
	// Last holds one entry per idENT and degree.
	Last []Delivered `json:"last"`
}

// Deliveries returns the last delivery of each idENT and degree recorded
// in the out directory dir, sorted by idENT then degree; none when nothing
// was ever delivered from it.
func Deliveries(dir string) ([]Delivered, error) {
	p := filepath.Join(dir, DeliveredFile)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the delivery record: %w", err)
	}
	var st deliveredState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("read the delivery record %s: %w", p, err)
	}
	for i, d := range st.Last {
		if _, err := gar.ParseName(d.Archive); err != nil || filepath.Base(d.Archive) != d.Archive {
			return nil, fmt.Errorf("read the delivery record %s: entry %d: bad archive name %q", p, i+1, d.Archive)
		}
	}
	sort.Slice(st.Last, func(i, j int) bool {
		a, b := st.Last[i], st.Last[j]
		if a.Ident != b.Ident {
			return a.Ident < b.Ident
		}
		return a.Degree < b.Degree
	})
	return st.Last, nil
}

// LastDelivered returns the last archive of ident and degree delivered from
// the out directory dir, and false when there is none. The archive named
// is kept in dir by retention, but may have been removed by hand: callers
// that read it should handle its absence.
func LastDelivered(dir, ident string, d gar.Degree) (Delivered, bool, error) {
	all, err := Deliveries(dir)
	if err != nil {
		return Delivered{}, false, err
	}
	for _, x := range all {
		if x.Ident == ident && x.Degree == d {
			return x, true, nil
		}
	}
	return Delivered{}, false, nil
}

// RecordDelivery records d as the last delivery of its idENT and degree in
// the out directory dir, replacing the previous one. Call it with the
// delivery lock held.
func RecordDelivery(dir string, d Delivered) error {
	all, err := Deliveries(dir)
	if err != nil {
		return err
	}
	kept := all[:0]
	for _, x := range all {
		if x.Ident != d.Ident || x.Degree != d.Degree {
			kept = append(kept, x)
		}
	}
	st := deliveredState{Last: append(kept, d)}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, DeliveredFile), append(b, '\n')); err != nil {
		return fmt.Errorf("record the delivery of %s: %w", d.Archive, err)
	}
	syncDir(dir)
	return nil
}

// DeliveryLock keeps two deliveries from the same out directory from
// running at once.
type DeliveryLock struct {
	l *dirLock
	// Stale describes the previous delivery that held the lock and never
	// released it (killed, or its machine crashed); empty otherwise.
	Stale string
}

const deliveryLockName = ".entgar-upload.lock"

// LockDelivery takes the delivery lock of the out directory dir, failing
// at once when another delivery holds it.
func LockDelivery(dir string) (*DeliveryLock, error) {
	l, err := acquireLock(dir, deliveryLockName, "upload")
	if err != nil {
		return nil, err
	}
	return &DeliveryLock{l: l, Stale: l.stale}, nil
}

// Release releases the lock.
func (l *DeliveryLock) Release() { l.l.release() }
