package analyseur

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entgar/entgar/gar"
	"github.com/entgar/entgar/internal/archivetest"
)

func TestDeposit(t *testing.T) {
	server := t.TempDir()
	os.MkdirAll(filepath.Join(server, gar.FolderAnalyseur), 0o755)
	local := t.TempDir()
	name := "ZZ_GAR-ENT_Complet_20261123_013000_2D.tar.gz"
	archive := filepath.Join(local, name)
	os.WriteFile(archive, []byte("archive bytes"), 0o644)
	os.WriteFile(gar.MD5Name(archive), []byte("md5"), 0o644)
	got, err := Deposit(context.Background(), archivetest.Dir(server), archive)
	if err != nil || got != "ANALYSEUR/"+name {
		t.Fatalf("deposit: %q %v", got, err)
	}
	ents, _ := os.ReadDir(filepath.Join(server, gar.FolderAnalyseur))
	if len(ents) != 1 || ents[0].Name() != name {
		t.Errorf("ANALYSEUR holds %v, want the archive alone (no MD5)", ents)
	}
	data, _ := os.ReadFile(filepath.Join(server, gar.FolderAnalyseur, name))
	if string(data) != "archive bytes" {
		t.Errorf("deposited %q", data)
	}
	for _, bad := range []string{gar.MD5Name(archive), filepath.Join(local, "notes.txt"), filepath.Join(local, "ZZ_GAR-ENT_Complet_20261123_013000_2D_Eleve_0000.xml"), filepath.Join(local, "ZZ_GAR-ENT_Complet_20261124_013000_2D.tar.gz")} {
		if _, err := Deposit(context.Background(), archivetest.Dir(server), bad); err == nil || !strings.Contains(err.Error(), "analyseur") {
			t.Errorf("deposit %s: %v", filepath.Base(bad), err)
		}
	}
}
