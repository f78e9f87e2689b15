package gar

import (
	"strings"
	"testing"
	"time"
)

func TestNames(t *testing.T) {
	ts := time.Date(2016, 12, 30, 12, 53, 44, 0, time.UTC)
	if got, want := ArchiveName("Z0", ts, D2), "Z0_GAR-ENT_Complet_20161230_125344_2D.tar.gz"; got != want {
		t.Errorf("ArchiveName = %q, want %q", got, want)
	}
	if got, want := MD5Name("Z0_GAR-ENT_Complet_20161230_125344_2D.tar.gz"), "Z0_GAR-ENT_Complet_20161230_125344_2D.MD5"; got != want {
		t.Errorf("MD5Name = %q, want %q", got, want)
	}
	if got, want := XMLName("Z0", ts, D1, FileRespAff, 3), "Z0_GAR-ENT_Complet_20161230_125344_1D_RespAff_0003.xml"; got != want {
		t.Errorf("XMLName = %q, want %q", got, want)
	}
}

func TestParseName(t *testing.T) {
	ok := []struct {
		name string
		want Name
	}{
		{"Z0_GAR-ENT_Complet_20161230_125344_2D.tar.gz", Name{Ident: "Z0", Degree: D2, DegreeWritten: true, Kind: KindArchive}},
		{"Z0_GAR-ENT_Complet_20161230_125344.MD5", Name{Ident: "Z0", Degree: D2, Kind: KindMD5}},
		{"AB-1_GAR-ENT_Complet_20161230_125344_1D_Groupe_0012.xml", Name{Ident: "AB-1", Degree: D1, DegreeWritten: true, Kind: KindXML, Type: FileGroupe, Index: 12}},
		{"Z0_GAR-ENT_Complet_20161230_125344_Eleve_0000.xml", Name{Ident: "Z0", Degree: D2, Kind: KindXML, Type: FileEleve}},
	}
	for _, c := range ok {
		got, err := ParseName(c.name)
		if err != nil {
			t.Errorf("ParseName(%q): %v", c.name, err)
			continue
		}
		got.Timestamp = time.Time{}
		if got != c.want {
			t.Errorf("ParseName(%q) = %+v, want %+v", c.name, got, c.want)
		}
	}
	bad := map[string]string{
		"z0_GAR-ENT_Complet_20161230_125344_2D.tar.gz":          "upper-case",
		"Z0_GAR-ENT_Complet_20161330_125344_2D.tar.gz":          "timestamp",
		"Z0_GAR-ENT_Complet_20161230_125344_3D.tar.gz":          "unexpected",
		"Z0_GAR-ENT_Complet_20161230_125344_2D.zip":             "extension",
		"Z0_GAR-ENT_Ecarts_20161230_125344_2D.tar.gz":           "does not start",
		"Z0_GAR-ENT_Complet_20161230_125344_2D_Eleves_0000.xml": "unknown file type",
		"Z0_GAR-ENT_Complet_20161230_125344_2D_Eleve_000.xml":   "4 digits",
		"Z0_GAR-ENT_Complet_20161230_125344_2D_Eleve_00a0.xml":  "4 digits",
	}
	for name, want := range bad {
		if _, err := ParseName(name); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseName(%q) = %v, want an error containing %q", name, err, want)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{
		" 0750001a ":      "0750001A",
		"3ème b":          "3EME B",
		"Français LV1":    "FRANCAIS LV1",
		"cœur":            "COEUR",
		"Éducation ÀÇÏÔÛ": "EDUCATION ACIOU",
		"straße":          "STRASSE",
	} {
		if got := NormalizeCode(in); got != want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeIdent(t *testing.T) {
	if got, err := NormalizeIdent(" zz "); err != nil || got != "ZZ" {
		t.Errorf("NormalizeIdent = %q, %v", got, err)
	}
	for _, bad := range []string{"", "Z_Z", "Z/Z", "ZÉ"} {
		if _, err := NormalizeIdent(bad); err == nil {
			t.Errorf("NormalizeIdent(%q) accepted", bad)
		}
	}
}

func TestTooLongCountsCharacters(t *testing.T) {
	if TooLong(strings.Repeat("é", 64), MaxPersonID) {
		t.Error("64 accented characters counted as too long")
	}
	if !TooLong(strings.Repeat("é", 65), MaxPersonID) {
		t.Error("65 characters accepted")
	}
}

func TestProfiles(t *testing.T) {
	if AllowedForStaff(ProfileLibrarian, D1) || !AllowedForStaff(ProfileLibrarian, D2) {
		t.Error("National_doc must be second degree only")
	}
	if AllowedForStaff(ProfilePupil, D2) {
		t.Error("the pupil profile is not a staff profile")
	}
	if !ProfilePupil.Known() || Profile("National_xyz").Known() {
		t.Error("Known")
	}
}

func TestSections(t *testing.T) {
	for _, d := range Degrees {
		for _, ft := range FileTypes {
			if len(Sections(d, ft)) == 0 {
				t.Errorf("%s %s has no section", d, ft)
			}
		}
	}
	if got := Sections(D1, FileEleve); len(got) != 2 || got[1] != "GARPersonMEFSTAT4" {
		t.Errorf("1D Eleve sections = %v", got)
	}
}
