package sftp

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/entgar/entgar/internal/atomicfile"
)

// A checkpoint records, in a small file beside a local archive, how much of
// it an upload had the server acknowledge and flush to disk, so that a run
// started after a killed one (SIGKILL, power loss) resumes instead of
// sending everything again. It is written only when the server offers
// fsync@openssh.com: without it, acknowledged bytes might not survive a
// crash of the server, and resuming after them could leave zeros inside the
// archive. Before resuming, the partial file's size and the 64 KiB before
// the checkpoint are checked, as for a resume within a run.
type checkpoint struct {
	Server string `json:"server"` // host:port
	Remote string `json:"remote"` // server path of the temporary file
	// Size and ModTime (Unix nanoseconds) identify the local archive: a
	// new export with the same name does not match.
	Size    int64 `json:"size"`
	ModTime int64 `json:"mod_time"`
	Acked   int64 `json:"acked"`
}

// checkpointPath returns the checkpoint file of the local archive: a hidden
// file beside it.
func checkpointPath(local string) string {
	return filepath.Join(filepath.Dir(local), "."+filepath.Base(local)+".sent")
}

// loadCheckpoint returns the acknowledged length recorded for this archive,
// server and temporary file, or 0.
func (c *Client) loadCheckpoint(local string, fi os.FileInfo, remote string) int64 {
	b, err := os.ReadFile(checkpointPath(local))
	if err != nil {
		return 0
	}
	var cp checkpoint
	if json.Unmarshal(b, &cp) != nil {
		return 0
	}
	if cp.Server != c.addr || cp.Remote != remote || cp.Size != fi.Size() || cp.ModTime != fi.ModTime().UnixNano() || cp.Acked <= 0 || cp.Acked > cp.Size {
		return 0
	}
	return cp.Acked
}

// saveCheckpoint records acked for the archive; a failure only costs the
// ability to resume, so it is logged, not returned.
func (c *Client) saveCheckpoint(local string, fi os.FileInfo, remote string, acked int64) {
	b, _ := json.Marshal(checkpoint{Server: c.addr, Remote: remote, Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), Acked: acked})
	if _, err := atomicfile.Write(checkpointPath(local), bytes.NewReader(b)); err != nil {
		c.log.Debug("cannot record the upload's progress; a killed run will restart from zero", "error", err)
	}
}

// removeCheckpoint forgets the progress of the archive's upload.
func removeCheckpoint(local string) { os.Remove(checkpointPath(local)) }
