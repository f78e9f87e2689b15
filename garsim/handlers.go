package garsim

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"

	"github.com/pkg/sftp"
)

// errDenied is answered to the client as SSH_FX_PERMISSION_DENIED with the
// wrapping error's text.
var errDenied = sftp.ErrSSHFxPermissionDenied

// handlers serve SFTP requests inside root, with GAR's permissions.
type handlers struct {
	root   *os.Root
	policy policy
	log    *slog.Logger
}

func (h *handlers) sftpHandlers() sftp.Handlers {
	return sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
}

// confine maps os.Root's refusals (a symbolic link or path escaping the
// root) to "permission denied", and keeps the other errors, whose errno the
// request server already translates.
func confine(op, p string, err error) error {
	if err == nil {
		return nil
	}
	var pe *fs.PathError
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrExist) || errors.As(err, &pe) && isErrno(pe.Err) {
		return err
	}
	return fmt.Errorf("%s %s: %v: %w", op, p, err, errDenied)
}

func (h *handlers) readable(r *sftp.Request) (string, error) {
	rel, err := relPath(r.Filepath)
	if err != nil {
		return "", err
	}
	if !h.policy.visible(rel) {
		return "", fmt.Errorf("%s: not a folder of this account's idENT: %w", r.Filepath, errDenied)
	}
	return rel, nil
}

func (h *handlers) mustWrite(op, p string) (string, error) {
	rel, err := relPath(p)
	if err != nil {
		return "", err
	}
	if !h.policy.writable(rel) {
		h.log.Info("sftp: write refused", "op", op, "path", p)
		return "", fmt.Errorf("%s %s: read-only (only files in ENTRANT/{idENT}, MIGRATION_IDO/{idENT} and ANALYSEUR may be written): %w", op, p, errDenied)
	}
	return rel, nil
}

// Fileread opens a regular file for reading.
func (h *handlers) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	rel, err := h.readable(r)
	if err != nil {
		return nil, err
	}
	f, err := h.root.Open(rel)
	if err != nil {
		return nil, confine("open", r.Filepath, err)
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("open %s: not a regular file: %w", r.Filepath, errDenied)
	}
	return f, nil
}

// Filewrite opens a file for writing where the ENT may write.
func (h *handlers) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	return h.openWrite(r, os.O_WRONLY)
}

// OpenFile opens a file for reading and writing where the ENT may write.
func (h *handlers) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	return h.openWrite(r, os.O_RDWR)
}

func (h *handlers) openWrite(r *sftp.Request, mode int) (*os.File, error) {
	rel, err := h.mustWrite("write", r.Filepath)
	if err != nil {
		return nil, err
	}
	pf := r.Pflags()
	flag := mode
	if pf.Creat {
		flag |= os.O_CREATE
	}
	if pf.Trunc {
		flag |= os.O_TRUNC
	}
	if pf.Excl {
		flag |= os.O_EXCL
	}
	// Append is honoured by the offsets the client sends: O_APPEND would
	// make WriteAt fail.
	f, err := h.root.OpenFile(rel, flag, 0o644)
	if err != nil {
		return nil, confine("write", r.Filepath, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("write %s: not a regular file: %w", r.Filepath, errDenied)
	}
	h.log.Debug("sftp: write", "path", r.Filepath)
	return f, nil
}

// Filecmd handles the commands that change the tree. GAR's layout is fixed:
// no directory or link can be created or removed.
func (h *handlers) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Rename":
		return h.rename(r, false)
	case "Remove":
		rel, err := h.mustWrite("remove", r.Filepath)
		if err != nil {
			return err
		}
		st, err := h.root.Lstat(rel)
		if err != nil {
			return confine("remove", r.Filepath, err)
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("remove %s: not a regular file: %w", r.Filepath, errDenied)
		}
		h.log.Info("sftp: remove", "path", r.Filepath)
		return confine("remove", r.Filepath, h.root.Remove(rel))
	case "Setstat":
		return h.setstat(r)
	case "Mkdir", "Rmdir", "Link", "Symlink":
		return fmt.Errorf("%s %s: GAR's folder layout is fixed: %w", r.Method, r.Filepath, errDenied)
	}
	return fmt.Errorf("%s: unsupported: %w", r.Method, sftp.ErrSSHFxOpUnsupported)
}

// PosixRename renames over an existing target, as posix-rename@openssh.com
// promises.
func (h *handlers) PosixRename(r *sftp.Request) error { return h.rename(r, true) }

func (h *handlers) rename(r *sftp.Request, overwrite bool) error {
	from, err := h.mustWrite("rename", r.Filepath)
	if err != nil {
		return err
	}
	to, err := h.mustWrite("rename", r.Target)
	if err != nil {
		return err
	}
	st, err := h.root.Lstat(from)
	if err != nil {
		return confine("rename", r.Filepath, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("rename %s: not a regular file: %w", r.Filepath, errDenied)
	}
	if !overwrite {
		// SSH_FXP_RENAME fails on an existing target, as OpenSSH's server
		// does; clients that want to replace use posix-rename.
		if _, err := h.root.Lstat(to); err == nil {
			return fmt.Errorf("rename %s to %s: target exists: %w", r.Filepath, r.Target, sftp.ErrSSHFxFailure)
		}
	}
	h.log.Info("sftp: rename", "from", r.Filepath, "to", r.Target)
	return confine("rename", r.Filepath, h.root.Rename(from, to))
}

// setstat applies a size or permission change where the ENT may write.
// Access and modification times are accepted and not applied: the
// modification time is the deposit time from which the collecte measures
// the 2-hour window between an archive and its MD5.
func (h *handlers) setstat(r *sftp.Request) error {
	rel, err := h.mustWrite("setstat", r.Filepath)
	if err != nil {
		return err
	}
	flags := r.AttrFlags()
	attrs := r.Attributes()
	if flags.Size {
		f, err := h.root.OpenFile(rel, os.O_WRONLY, 0)
		if err != nil {
			return confine("truncate", r.Filepath, err)
		}
		err = f.Truncate(int64(attrs.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return confine("truncate", r.Filepath, err)
		}
	}
	if flags.Permissions {
		if err := h.root.Chmod(rel, attrs.FileMode().Perm()&0o666); err != nil {
			return confine("chmod", r.Filepath, err)
		}
	}
	return nil
}

// Filelist lists a directory or stats one file.
func (h *handlers) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	rel, err := h.readable(r)
	if err != nil {
		return nil, err
	}
	switch r.Method {
	case "List":
		d, err := h.root.Open(rel)
		if err != nil {
			return nil, confine("list", r.Filepath, err)
		}
		defer d.Close()
		entries, err := d.ReadDir(-1)
		if err != nil {
			return nil, confine("list", r.Filepath, err)
		}
		// Sorted, so that listings are stable for scripts and tests.
		slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		infos := make(listerAt, 0, len(entries))
		for _, e := range entries {
			if !h.policy.visible(path.Join(rel, e.Name())) {
				continue
			}
			if fi, err := e.Info(); err == nil {
				infos = append(infos, fi)
			}
		}
		return infos, nil
	case "Stat":
		fi, err := h.root.Stat(rel)
		if err != nil {
			return nil, confine("stat", r.Filepath, err)
		}
		return listerAt{fi}, nil
	case "Readlink":
		return nil, fmt.Errorf("readlink %s: %w", r.Filepath, errDenied)
	}
	return nil, fmt.Errorf("%s: unsupported: %w", r.Method, sftp.ErrSSHFxOpUnsupported)
}

// Lstat stats a path without following a final symbolic link.
func (h *handlers) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	rel, err := h.readable(r)
	if err != nil {
		return nil, err
	}
	fi, err := h.root.Lstat(rel)
	if err != nil {
		return nil, confine("lstat", r.Filepath, err)
	}
	return listerAt{fi}, nil
}

type listerAt []os.FileInfo

func (l listerAt) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}

// isErrno reports whether err is a system call error, which the request
// server translates to the matching SFTP status by itself.
func isErrno(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno)
}
