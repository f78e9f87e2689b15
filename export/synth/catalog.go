package synth

// The tables below are read-only reference data. They are plausible rather
// than official: codes follow the shape of the national nomenclatures (BCN
// MEF, matières, disciplines de poste) so that exports look real, but a
// code here is not guaranteed to mean the same thing in the BCN.

// department is where an establishment is: the first three digits of its
// UAI, the academy that runs it (mail domain) and the phone zone.
type department struct {
	code      string
	academy   string
	phoneZone int
}

var departments = []department{
	{"075", "paris", 1}, {"092", "versailles", 1}, {"093", "creteil", 1}, {"094", "creteil", 1},
	{"078", "versailles", 1}, {"091", "versailles", 1}, {"095", "versailles", 1}, {"077", "creteil", 1},
	{"069", "lyon", 4}, {"013", "aix-marseille", 4}, {"006", "nice", 4}, {"083", "nice", 4},
	{"038", "grenoble", 4}, {"033", "bordeaux", 5}, {"031", "toulouse", 5}, {"034", "montpellier", 4},
	{"059", "lille", 3}, {"062", "lille", 3}, {"067", "strasbourg", 3}, {"068", "strasbourg", 3},
	{"054", "nancy-metz", 3}, {"057", "nancy-metz", 3}, {"044", "nantes", 2}, {"049", "nantes", 2},
	{"035", "rennes", 2}, {"029", "rennes", 2}, {"076", "normandie", 2}, {"014", "normandie", 2},
	{"021", "dijon", 3}, {"025", "besancon", 3}, {"063", "clermont", 4}, {"087", "limoges", 5},
	{"086", "poitiers", 5}, {"045", "orleans-tours", 2}, {"037", "orleans-tours", 2}, {"080", "amiens", 3},
	{"051", "reims", 3}, {"064", "bordeaux", 5}, {"066", "montpellier", 4}, {"030", "montpellier", 4},
}

// uaiKeyLetters is the alphabet of the UAI check letter: the 7-digit number
// modulo 23, I, O and Q being left out because they read like digits.
const uaiKeyLetters = "ABCDEFGHJKLMNPRSTUVWXYZ"

// Namesakes of public establishments, spelt the way French schools are named
// (hyphenated person names).
var publicNamesakes = []string{
	"Jean-Jaurès", "Émile-Zola", "Marie-Curie", "Victor-Hugo", "Jules-Ferry", "Louise-Michel",
	"Simone-Veil", "Paul-Éluard", "Jean-Moulin", "Albert-Camus", "George-Sand", "Jacques-Prévert",
	"Antoine-de-Saint-Exupéry", "Condorcet", "Voltaire", "Molière", "Jean-de-La-Fontaine", "Colette",
	"Frédéric-Mistral", "Aimé-Césaire", "Joséphine-Baker", "Olympe-de-Gouges", "Lucie-Aubrac",
	"Germaine-Tillion", "Françoise-Dolto", "Camille-Claudel", "Hélène-Boucher", "Léonard-de-Vinci",
	"Blaise-Pascal", "René-Descartes", "Marcel-Pagnol", "Jean-Macé", "Paul-Langevin", "Henri-Wallon",
	"Anatole-France", "Pierre-Brossolette", "Gérard-Philipe", "Édouard-Herriot", "Léon-Blum",
	"Gustave-Flaubert", "Honoré-de-Balzac", "Évariste-Galois", "Sophie-Germain", "Nelson-Mandela",
	"Rosa-Parks", "Jean-Rostand", "Charles-Péguy", "Pierre-et-Marie-Curie",
}

var privateNamesakes = []string{
	"Saint-Joseph", "Notre-Dame", "Sainte-Marie", "Sainte-Thérèse", "Jeanne-d'Arc", "Saint-Louis",
	"Sacré-Cœur", "Saint-Vincent-de-Paul", "La Salle", "Immaculée-Conception", "Saint-François-Xavier",
	"Sainte-Geneviève",
}

var boyNames = []string{
	"Lucas", "Gabriel", "Léo", "Raphaël", "Arthur", "Louis", "Jules", "Adam", "Maël", "Noé", "Gaël",
	"Hugo", "Nathan", "Éthan", "Tom", "Théo", "Sacha", "Mathéo", "Timéo", "Mohamed", "Ibrahim",
	"Yanis", "François", "Jérôme", "Benoît", "Loïc", "Joël", "Grégoire", "Cédric", "Aurélien", "Côme",
	"Élie", "Enzo", "Mathis", "Baptiste", "Clément", "Valentin", "Rémi", "Stéphane", "Hervé",
	"Frédéric", "Sébastien", "Thibault", "Amine", "Kylian", "Ilyès", "Minh", "Jean", "Pierre", "Paul",
}

var girlNames = []string{
	"Jade", "Louise", "Emma", "Ambre", "Alice", "Rose", "Anna", "Lina", "Mia", "Léa", "Chloé", "Zoé",
	"Inès", "Éloïse", "Maëlys", "Anaïs", "Léonie", "Agathe", "Juliette", "Romane", "Manon", "Camille",
	"Clémence", "Héloïse", "Noémie", "Océane", "Maëlle", "Lou", "Nour", "Aïcha", "Fatoumata", "Yasmine",
	"Hélène", "Mélanie", "Séverine", "Bénédicte", "Cécile", "Françoise", "Geneviève", "Amélie",
	"Céline", "Aurélie", "Thaïs", "Gaëlle", "Mathilde", "Capucine", "Lucie", "Élise", "Linh", "Marie",
}

var lastNames = []string{
	"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
	"Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent",
	"Fournier", "Morel", "Girard", "André", "Lefebvre", "Mercier", "Dupont", "Lambert", "Bonnet",
	"François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Müller",
	"Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont",
	"Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez", "Gérard", "Nguyen", "Nguyễn",
	"Boyer", "Denis", "Lemaire", "Duval", "Joly", "Roche", "Noël", "Meyer", "Meunier", "Pérez",
	"Marchand", "Dufour", "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux",
	"Colin", "Fernandez", "Renard", "Arnaud", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal",
	"Bourgeois", "Lemoine", "Picard", "Gaillard", "Lacroix", "Fabre", "Dupuis", "Da Silva", "Hubert",
	"Rivière", "Le Gall", "Ménard", "Fleury", "Deschamps", "Prévost", "Carré", "Rémy", "Le Goff",
	"Dupré", "N'Diaye", "Diallo", "Traoré", "Benali", "Haddad", "Saint-Aubin", "Ferreira",
	"Dos Santos", "Tran", "Lévêque", "Bénard", "Le Bihan", "Kowalski", "Chénier", "Lê",
}

// level1D is a class level of an école élémentaire. Only CP to CM2 are
// generated: maternelle pupils would fall outside the 6 to 11 years the
// brief asks of first-degree pupils.
type level1D struct {
	code     string // as written in division codes
	mefstat4 string
	label    string
}

var levels1D = []level1D{
	{"CP", "2111", "Cours préparatoire"},
	{"CE1", "2112", "Cours élémentaire 1re année"},
	{"CE2", "2113", "Cours élémentaire 2e année"},
	{"CM1", "2114", "Cours moyen 1re année"},
	{"CM2", "2115", "Cours moyen 2e année"},
}

// specialites1D are the "spécialités de poste" of first-degree teachers,
// the most common first and repeated so that a uniform pick favours it.
var specialites1D = []string{
	"ECOLE ELEMENTAIRE", "ECOLE ELEMENTAIRE", "ECOLE ELEMENTAIRE", "ECOLE ELEMENTAIRE",
	"ECOLE ELEMENTAIRE", "ECOLE ELEMENTAIRE", "CLASSE ELEMENTAIRE BILINGUE",
	"ENSEIGNANT ULIS ECOLE", "TITULAIRE REMPLACANT",
}

// Second-degree levels, 0 = sixième to 6 = terminale: they decide the
// birth year of pupils and which groups draw from which divisions.
const (
	lvl6e = iota
	lvl5e
	lvl4e
	lvl3e
	lvl2nde
	lvl1re
	lvlTle
)

var levelTags2D = []string{"6E", "5E", "4E", "3E", "2NDE", "1ERE", "TLE"}
var levelLabels2D = []string{"6e", "5e", "4e", "3e", "seconde", "première", "terminale"}

// mefDef is a MEF an establishment may offer.
type mefDef struct {
	code, label string
	attach      string // GARMEFRattach: the core MEF of the same level
	mefstat11   string
	lycee       bool
	level       int
	weight      int  // relative share of the establishment's divisions
	core        bool // every collège (or lycée) offers it
	grouped     bool // its divisions feed language, option and spécialité groups
	short, long string
	divLabel    string
	numbered    bool // lycée divisions are numbered, collège ones lettered
	// series groups the MEFs offered together (all SEGPA levels, première
	// and terminale STMG...): a school offers a series whole or not at all.
	series string
}

var mefTable = []mefDef{
	{code: "10010012110", label: "6EME", mefstat11: "10010012110", level: lvl6e, weight: 100, core: true, grouped: true, short: "6", long: "6EME ", divLabel: "6e"},
	{code: "10110001110", label: "5EME", mefstat11: "10110001110", level: lvl5e, weight: 100, core: true, grouped: true, short: "5", long: "5EME ", divLabel: "5e"},
	{code: "10210001110", label: "4EME", mefstat11: "10210001110", level: lvl4e, weight: 100, core: true, grouped: true, short: "4", long: "4EME ", divLabel: "4e"},
	{code: "10310019110", label: "3EME", mefstat11: "10310019110", level: lvl3e, weight: 100, core: true, grouped: true, short: "3", long: "3EME ", divLabel: "3e"},
	{code: "16410002110", label: "6EME SEGPA", attach: "10010012110", mefstat11: "16410002110", level: lvl6e, weight: 12, short: "6SEG", long: "6EME SEGPA ", divLabel: "6e SEGPA", series: "SEGPA"},
	{code: "16510002110", label: "5EME SEGPA", attach: "10110001110", level: lvl5e, weight: 12, short: "5SEG", long: "5EME SEGPA ", divLabel: "5e SEGPA", series: "SEGPA"},
	{code: "16610002110", label: "4EME SEGPA", attach: "10210001110", level: lvl4e, weight: 12, short: "4SEG", long: "4EME SEGPA ", divLabel: "4e SEGPA", series: "SEGPA"},
	{code: "16710002110", label: "3EME SEGPA", attach: "10310019110", mefstat11: "16710002110", level: lvl3e, weight: 12, short: "3SEG", long: "3EME SEGPA ", divLabel: "3e SEGPA", series: "SEGPA"},
	{code: "10310017110", label: "3EME PREPA-METIERS", level: lvl3e, weight: 10, short: "3PM", long: "3EME PM ", divLabel: "3e prépa-métiers", series: "PM"},
	{code: "10010012112", label: "6EME BILANGUE", attach: "10010012110", level: lvl6e, weight: 15, grouped: true, short: "6BL", long: "6EME BL ", divLabel: "6e bilangue", series: "BILANGUE"},
	{code: "10110001112", label: "5EME BILANGUE", attach: "10110001110", level: lvl5e, weight: 15, grouped: true, short: "5BL", long: "5EME BL ", divLabel: "5e bilangue", series: "BILANGUE"},
	{code: "10010012113", label: "6EME CHAM", attach: "10010012110", mefstat11: "10010012113", level: lvl6e, weight: 10, short: "6CH", long: "6EME CHAM ", divLabel: "6e CHAM (musique)", series: "CHAM"},
	{code: "10110001113", label: "5EME CHAM", attach: "10110001110", level: lvl5e, weight: 10, short: "5CH", long: "5EME CHAM ", divLabel: "5e CHAM (musique)", series: "CHAM"},
	{code: "10210001113", label: "4EME CHAM", attach: "10210001110", level: lvl4e, weight: 10, short: "4CH", long: "4EME CHAM ", divLabel: "4e CHAM (musique)", series: "CHAM"},
	{code: "10310019113", label: "3EME CHAM", attach: "10310019110", level: lvl3e, weight: 10, short: "3CH", long: "3EME CHAM ", divLabel: "3e CHAM (musique)", series: "CHAM"},
	{code: "10210001114", label: "4EME SECTION SPORTIVE", attach: "10210001110", level: lvl4e, weight: 8, grouped: true, short: "4SP", long: "4EME SPORT ", divLabel: "4e section sportive", series: "SPORT"},
	{code: "10310019114", label: "3EME SECTION SPORTIVE", attach: "10310019110", level: lvl3e, weight: 8, grouped: true, short: "3SP", long: "3EME SPORT ", divLabel: "3e section sportive", series: "SPORT"},

	{code: "20010018110", label: "2NDE GENERALE ET TECHNOLOGIQUE", mefstat11: "20010018110", lycee: true, level: lvl2nde, weight: 100, core: true, grouped: true, short: "2GT", long: "2NDE ", divLabel: "Seconde", numbered: true},
	{code: "20110019110", label: "1ERE GENERALE", mefstat11: "20110019110", lycee: true, level: lvl1re, weight: 75, core: true, grouped: true, short: "1G", long: "1ERE G", divLabel: "Première générale", numbered: true},
	{code: "20212001110", label: "TERMINALE GENERALE", mefstat11: "20212001110", lycee: true, level: lvlTle, weight: 75, core: true, grouped: true, short: "TG", long: "TLE G", divLabel: "Terminale générale", numbered: true},
	{code: "20010018111", label: "2NDE GT SECTION EUROPEENNE ANGLAIS", attach: "20010018110", lycee: true, level: lvl2nde, weight: 12, grouped: true, short: "2EU", long: "2NDE EURO ", divLabel: "Seconde section européenne", numbered: true, series: "EURO"},
	{code: "21131305110", label: "1ERE STMG", mefstat11: "21131305110", lycee: true, level: lvl1re, weight: 20, short: "1STMG", long: "1ERE STMG ", divLabel: "Première STMG", numbered: true, series: "STMG"},
	{code: "21231305110", label: "TERMINALE STMG", lycee: true, level: lvlTle, weight: 20, short: "TSTMG", long: "TLE STMG ", divLabel: "Terminale STMG", numbered: true, series: "STMG"},
	{code: "21132213110", label: "1ERE STI2D", lycee: true, level: lvl1re, weight: 15, short: "1STI", long: "1ERE STI2D ", divLabel: "Première STI2D", numbered: true, series: "STI2D"},
	{code: "21232213110", label: "TERMINALE STI2D", lycee: true, level: lvlTle, weight: 15, short: "TSTI", long: "TLE STI2D ", divLabel: "Terminale STI2D", numbered: true, series: "STI2D"},
	{code: "21133107110", label: "1ERE ST2S", lycee: true, level: lvl1re, weight: 12, short: "1ST2S", long: "1ERE ST2S ", divLabel: "Première ST2S", numbered: true, series: "ST2S"},
	{code: "21233107110", label: "TERMINALE ST2S", lycee: true, level: lvlTle, weight: 12, short: "TST2S", long: "TLE ST2S ", divLabel: "Terminale ST2S", numbered: true, series: "ST2S"},
	{code: "24725002110", label: "2NDE PRO METIERS DE LA RELATION CLIENT", lycee: true, level: lvl2nde, weight: 15, short: "2MRC", long: "2NDE PRO MRC ", divLabel: "Seconde pro relation client", numbered: true, series: "PRO-COM"},
	{code: "24025002110", label: "1ERE PRO METIERS DU COMMERCE ET DE LA VENTE", lycee: true, level: lvl1re, weight: 12, short: "1MCV", long: "1ERE PRO MCV ", divLabel: "Première pro commerce et vente", numbered: true, series: "PRO-COM"},
	{code: "24125002110", label: "TERMINALE PRO METIERS DU COMMERCE ET DE LA VENTE", lycee: true, level: lvlTle, weight: 12, short: "TMCV", long: "TLE PRO MCV ", divLabel: "Terminale pro commerce et vente", numbered: true, series: "PRO-COM"},
	{code: "24723103110", label: "2NDE PRO METIERS DE LA GESTION ADMINISTRATIVE, DU TRANSPORT ET DE LA LOGISTIQUE", lycee: true, level: lvl2nde, weight: 12, short: "2GATL", long: "2NDE PRO GATL ", divLabel: "Seconde pro gestion, transport et logistique", numbered: true, series: "PRO-GA"},
	{code: "24023103110", label: "1ERE PRO ASSISTANCE A LA GESTION DES ORGANISATIONS ET DE LEURS ACTIVITES", lycee: true, level: lvl1re, weight: 10, short: "1AGO", long: "1ERE PRO AGORA ", divLabel: "Première pro AGOrA", numbered: true, series: "PRO-GA"},
	{code: "24123103110", label: "TERMINALE PRO ASSISTANCE A LA GESTION DES ORGANISATIONS ET DE LEURS ACTIVITES", lycee: true, level: lvlTle, weight: 10, short: "TAGO", long: "TLE PRO AGORA ", divLabel: "Terminale pro AGOrA", numbered: true, series: "PRO-GA"},
}

// subjectDef is a subject ("matière") an establishment may teach. Weight is
// how many teachers it needs relative to the others; groupOnly subjects are
// taught to groups (languages, options, spécialités) rather than to whole
// divisions.
type subjectDef struct {
	code, label    string
	college, lycee bool
	core           bool
	groupOnly      bool
	weight         int
}

var subjectTable = []subjectDef{
	{code: "020100", label: "FRANÇAIS", college: true, lycee: true, core: true, weight: 6},
	{code: "061300", label: "MATHÉMATIQUES", college: true, lycee: true, core: true, weight: 5},
	{code: "040600", label: "HISTOIRE-GÉOGRAPHIE", college: true, lycee: true, core: true, weight: 4},
	{code: "030201", label: "ANGLAIS LV1", college: true, lycee: true, core: true, weight: 4},
	{code: "062900", label: "SCIENCES DE LA VIE ET DE LA TERRE", college: true, lycee: true, core: true, weight: 2},
	{code: "061800", label: "PHYSIQUE-CHIMIE", college: true, lycee: true, core: true, weight: 2},
	{code: "100100", label: "ÉDUCATION PHYSIQUE ET SPORTIVE", college: true, lycee: true, core: true, weight: 3},
	{code: "070200", label: "TECHNOLOGIE", college: true, weight: 2},
	{code: "080100", label: "ARTS PLASTIQUES", college: true, weight: 1},
	{code: "081300", label: "ÉDUCATION MUSICALE", college: true, weight: 1},
	{code: "040700", label: "ENSEIGNEMENT MORAL ET CIVIQUE", college: true, lycee: true, weight: 1},
	{code: "030401", label: "ALLEMAND LV1", college: true, lycee: true, weight: 1},
	{code: "030602", label: "ESPAGNOL LV2", college: true, lycee: true, groupOnly: true, weight: 3},
	{code: "030402", label: "ALLEMAND LV2", college: true, lycee: true, groupOnly: true, weight: 1},
	{code: "031302", label: "ITALIEN LV2", college: true, lycee: true, groupOnly: true, weight: 1},
	{code: "020700", label: "LANGUES ET CULTURES DE L'ANTIQUITÉ : LATIN", college: true, lycee: true, groupOnly: true, weight: 1},
	{code: "020800", label: "LANGUES ET CULTURES DE L'ANTIQUITÉ : GREC", college: true, lycee: true, groupOnly: true, weight: 1},
	{code: "013000", label: "PHILOSOPHIE", lycee: true, weight: 2},
	{code: "051000", label: "SCIENCES ÉCONOMIQUES ET SOCIALES", lycee: true, weight: 2},
	{code: "091300", label: "SCIENCES NUMÉRIQUES ET TECHNOLOGIE", lycee: true, weight: 1},
	{code: "091400", label: "NUMÉRIQUE ET SCIENCES INFORMATIQUES", lycee: true, groupOnly: true, weight: 1},
	{code: "044300", label: "HISTOIRE-GÉOGRAPHIE, GÉOPOLITIQUE ET SCIENCES POLITIQUES", lycee: true, groupOnly: true, weight: 1},
	{code: "020900", label: "HUMANITÉS, LITTÉRATURE ET PHILOSOPHIE", lycee: true, groupOnly: true, weight: 1},
	{code: "042700", label: "ÉCONOMIE-GESTION", lycee: true, weight: 1},
	{code: "200100", label: "ACCOMPAGNEMENT PERSONNALISÉ", college: true, lycee: true, weight: 1},
}

// disciplineDef is a "discipline de poste" of second-degree teachers and
// the subjects it qualifies them to teach, the main one first.
type disciplineDef struct {
	code     string
	subjects []string
}

var disciplineTable = []disciplineDef{
	{"L0201", []string{"020100", "200100"}},
	{"L0202", []string{"020100", "020700", "020800"}},
	{"L0422", []string{"030201"}},
	{"L0426", []string{"030602"}},
	{"L0421", []string{"030401", "030402"}},
	{"L0429", []string{"031302"}},
	{"L1000", []string{"040600", "040700", "044300"}},
	{"L1300", []string{"061300", "200100"}},
	{"L1500", []string{"061800"}},
	{"L1600", []string{"062900"}},
	{"L1400", []string{"070200", "091300"}},
	{"L1800", []string{"080100"}},
	{"L1700", []string{"081300"}},
	{"L1900", []string{"100100"}},
	{"L0100", []string{"013000", "020900"}},
	{"L1100", []string{"051000"}},
	{"L8011", []string{"091400", "091300"}},
	{"L8012", []string{"042700"}},
}

// disciplineLibrarian is the discipline of professeurs documentalistes.
const disciplineLibrarian = "L0080"

// Group families: a pupil joins at most one group of each family, so that
// nobody learns two second languages or two ancient languages.
const (
	famLV2 = iota
	famLCA
	famEuro
	famAP
	famSpeMaths
	famSpeSES
	famSpeNSI
	famSpeHGGSP
	famSpeHLP
)

// groupDef is a kind of GROUPE group: per level, an establishment that
// teaches the subject splits the level's divisions into such groups.
type groupDef struct {
	code, label string
	subject     string
	family      int
	levels      []int
}

var groupTable = []groupDef{
	{"ESP LV2", "Espagnol LV2", "030602", famLV2, []int{lvl5e, lvl4e, lvl3e, lvl2nde, lvl1re, lvlTle}},
	{"ALL LV2", "Allemand LV2", "030402", famLV2, []int{lvl5e, lvl4e, lvl3e, lvl2nde, lvl1re, lvlTle}},
	{"ITA LV2", "Italien LV2", "031302", famLV2, []int{lvl5e, lvl4e, lvl3e, lvl2nde, lvl1re, lvlTle}},
	{"LATIN", "Latin", "020700", famLCA, []int{lvl5e, lvl4e, lvl3e, lvl2nde, lvl1re, lvlTle}},
	{"GREC", "Grec ancien", "020800", famLCA, []int{lvl4e, lvl3e, lvl2nde}},
	{"EURO ANG", "Section européenne anglais", "030201", famEuro, []int{lvl4e, lvl3e, lvl2nde, lvl1re}},
	{"AP FRANCAIS", "Accompagnement personnalisé français", "020100", famAP, []int{lvl6e, lvl2nde}},
	{"SPE MATHS", "Spécialité mathématiques", "061300", famSpeMaths, []int{lvl1re, lvlTle}},
	{"SPE SES", "Spécialité sciences économiques et sociales", "051000", famSpeSES, []int{lvl1re, lvlTle}},
	{"SPE NSI", "Spécialité numérique et sciences informatiques", "091400", famSpeNSI, []int{lvl1re, lvlTle}},
	{"SPE HGGSP", "Spécialité histoire-géographie, géopolitique et sciences politiques", "044300", famSpeHGGSP, []int{lvl1re, lvlTle}},
	{"SPE HLP", "Spécialité humanités, littérature et philosophie", "020900", famSpeHLP, []int{lvl1re, lvlTle}},
}
