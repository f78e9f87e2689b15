package xsd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entgar/entgar/gar"
)

// Error codes, stable: they name the kind of rule a document breaks.
const (
	CodeXML       = "xml"       // not well-formed XML
	CodeNamespace = "namespace" // element in the wrong namespace
	CodeRoot      = "root"      // unexpected root element
	CodeAttribute = "attribute" // missing or undeclared attribute
	CodeContent   = "content"   // unexpected or missing element, text where none is allowed
	CodeLength    = "length"    // value longer than its type allows
	CodeDate      = "date"      // invalid xs:date
	CodeKey       = "key"       // duplicate functional key (xs:key)
)

// Error is one grammar violation, located in the document.
type Error struct {
	Line, Column int
	Code         string
	Element      string // local name of the element concerned
	Message      string
}

// Error formats the error as line:column: message.
func (e Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Message) }

// Field is one simple value of a node: a direct simple child of the node
// (Parent empty) or a simple child of one of its complex children such as
// GARPersonProfils (Parent names it, Group numbers its occurrences from 1).
type Field struct {
	Parent string
	Group  int
	Name   string
	start  int
	end    int
}

// Node is a top-level node of a document (a child of the root, e.g. one
// GAREleve) with its simple values, handed to Options.OnNode.
type Node struct {
	Name         string
	Line, Column int
	Fields       []Field
	// Invalid is true when the node breaks the grammar.
	Invalid bool
	// DuplicateKey is true when its functional key repeats one of an
	// earlier node of the same document.
	DuplicateKey bool
	// Truncated is true when the node holds more values than a node keeps
	// (maxNodeFields, maxNodeText): the grammar checks them all, Fields
	// holds the first ones only.
	Truncated bool
	text      []byte
}

// maxNodeFields and maxNodeText bound what a node keeps of its values. The
// grammar lets a node repeat some children without limit (a GAREleve of
// millions of GARPersonProfils is valid); a real node has a few dozen.
const (
	maxNodeFields = 1 << 14
	maxNodeText   = 1 << 20
)

// Value returns the text of f, which must be one of n.Fields. It is only
// valid during the OnNode call.
func (n *Node) Value(f Field) []byte { return n.text[f.start:f.end] }

// Get returns the first direct value named name, or nil.
func (n *Node) Get(name string) []byte {
	for _, f := range n.Fields {
		if f.Parent == "" && f.Name == name {
			return n.text[f.start:f.end]
		}
	}
	return nil
}

// Options tune a validation.
type Options struct {
	// Type, when set, requires the root of the file type (a GAR archive's
	// Eleve file must hold GAR-ENT-Eleve). The official grammar accepts any
	// of its roots in any file.
	Type gar.FileType
	// OnNode, when set, receives each top-level node after its end tag.
	// The node is reused: copy what you keep.
	OnNode func(*Node)
	// OnError, when set, receives every error as it is found.
	OnError func(Error)
	// MaxErrors bounds Result.Errors (default 100); counting goes on.
	MaxErrors int
	// Buffer, when set, is used as the read buffer (at least 64 KiB).
	Buffer []byte
}

// Result is what a validation found.
type Result struct {
	Root    string // local name of the root element
	Version string // its Version attribute
	Nodes   int    // top-level nodes
	// Errors holds the first errors; ErrorCount counts them all. A
	// document that is not well-formed stops at its first such error.
	Errors     []Error
	ErrorCount int
}

// Valid reports whether the document follows the grammar.
func (r *Result) Valid() bool { return r.ErrorCount == 0 }

const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

type binding struct {
	prefix, uri string
	depth       int
}

type frame struct {
	el      *Element
	pi      int // current particle
	count   int // occurrences of the current particle
	skip    bool
	textErr bool
	line    int
	col     int
	tstart  int // start of the element's text in node.text (simple content)
	group   int // occurrences of complex children, numbered for Field.Group
}

type validator struct {
	g      *Grammar
	opts   Options
	res    *Result
	sc     *scanner
	frames []frame
	binds  []binding
	node   Node
	keys   []*keySet
	keyBuf []byte
	groups map[string]int
	rootEl *Element
	buf    []byte
}

// Validate reads a document from r and checks it against the grammar. The
// returned error is for reading failures and cancellation only; grammar
// violations are in the Result.
func (g *Grammar) Validate(ctx context.Context, r io.Reader, opts Options) (*Result, error) {
	return g.NewValidator().Validate(ctx, r, opts)
}

// Validator validates documents against a grammar one after the other,
// reusing its memory (buffers, key sets) from one to the next. It is not
// safe for concurrent use; use one per goroutine.
type Validator struct {
	v validator
}

// NewValidator returns a Validator of the grammar.
func (g *Grammar) NewValidator() *Validator {
	return &Validator{v: validator{g: g, groups: map[string]int{}}}
}

// ValidateBytes validates a document held in memory, scanning it in place.
func (x *Validator) ValidateBytes(ctx context.Context, doc []byte, opts Options) (*Result, error) {
	return x.validate(ctx, nil, doc, opts)
}

// Validate is Grammar.Validate with the Validator's memory.
func (x *Validator) Validate(ctx context.Context, r io.Reader, opts Options) (*Result, error) {
	return x.validate(ctx, r, nil, opts)
}

func (x *Validator) validate(ctx context.Context, r io.Reader, doc []byte, opts Options) (*Result, error) {
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = 100
	}
	v := &x.v
	v.opts, v.res, v.rootEl = opts, &Result{}, nil
	v.frames, v.binds = v.frames[:0], v.binds[:0]
	if opts.Buffer == nil {
		if v.buf == nil {
			v.buf = make([]byte, 64<<10)
		}
		opts.Buffer = v.buf
	}
	switch {
	case v.sc == nil:
		v.sc = &scanner{}
		fallthrough
	case r != nil:
		v.sc.reset(r, opts.Buffer)
	}
	if r == nil {
		v.sc.resetBytes(doc)
	}
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return v.res, err
			}
		}
		err := v.sc.next()
		if err != nil {
			var se *syntaxError
			if errors.As(err, &se) {
				v.fail(Error{Line: se.line, Column: se.col, Code: CodeXML, Message: "not well-formed: " + se.msg})
				return v.res, nil
			}
			return v.res, fmt.Errorf("read: %w", err)
		}
		switch v.sc.kind {
		case tokEOF:
			return v.res, nil
		case tokStart:
			if !v.start() {
				return v.res, nil
			}
		case tokEnd:
			v.end()
		case tokText:
			v.text()
		}
	}
}

func (v *validator) fail(e Error) {
	v.res.ErrorCount++
	if len(v.res.Errors) < v.opts.MaxErrors {
		v.res.Errors = append(v.res.Errors, e)
	}
	if v.opts.OnError != nil {
		v.opts.OnError(e)
	}
	if len(v.frames) > 1 {
		v.node.Invalid = true
	}
}

func (v *validator) errAt(line, col int, code, el, format string, args ...any) {
	v.fail(Error{Line: line, Column: col, Code: code, Element: el, Message: fmt.Sprintf(format, args...)})
}

// resolve returns the namespace of a prefix, and whether it is bound.
func (v *validator) resolve(prefix []byte) (string, bool) {
	if string(prefix) == "xml" {
		return "http://www.w3.org/XML/1998/namespace", true
	}
	for i := len(v.binds) - 1; i >= 0; i-- {
		if v.binds[i].prefix == string(prefix) {
			return v.binds[i].uri, v.binds[i].uri != "" || len(prefix) == 0
		}
	}
	return "", len(prefix) == 0
}

func split(qname []byte) (prefix, local []byte) {
	if i := bytes.IndexByte(qname, ':'); i >= 0 {
		return qname[:i], qname[i+1:]
	}
	return nil, qname
}

// start handles a start tag; false stops validation (namespace
// well-formedness error).
func (v *validator) start() bool {
	sc := v.sc
	depth := len(v.frames)
	line, col := sc.tokLine, sc.tokCol
	for _, a := range sc.attrs {
		switch {
		case string(a.name) == "xmlns":
			v.binds = append(v.binds, binding{"", string(a.value), depth})
		case bytes.HasPrefix(a.name, []byte("xmlns:")):
			p := string(a.name[6:])
			if len(a.value) == 0 || p == "xmlns" || (p == "xml") != (string(a.value) == "http://www.w3.org/XML/1998/namespace") {
				v.errAt(line, col, CodeXML, "", "not well-formed: invalid namespace declaration %s=%q", a.name, a.value)
				return false
			}
			v.binds = append(v.binds, binding{p, string(a.value), depth})
		}
	}
	prefix, local := split(sc.name)
	ns, ok := v.resolve(prefix)
	if !ok {
		v.errAt(line, col, CodeXML, string(local), "not well-formed: namespace prefix %q of <%s> is not declared", prefix, sc.name)
		return false
	}
	// Attributes other than namespace declarations.
	var version []byte
	hasVersion := false
	var seen [][2]string
	for _, a := range sc.attrs {
		if string(a.name) == "xmlns" || bytes.HasPrefix(a.name, []byte("xmlns:")) {
			continue
		}
		ap, al := split(a.name)
		if len(ap) > 0 {
			uri, ok := v.resolve(ap)
			if !ok {
				v.errAt(line, col, CodeXML, string(local), "not well-formed: namespace prefix %q of attribute %s is not declared", ap, a.name)
				return false
			}
			for _, s := range seen {
				if s[0] == uri && s[1] == string(al) {
					v.errAt(line, col, CodeXML, string(local), "not well-formed: attribute {%s}%s repeated", uri, al)
					return false
				}
			}
			seen = append(seen, [2]string{uri, string(al)})
			if uri == xsiNS && (string(al) == "schemaLocation" || string(al) == "noNamespaceSchemaLocation") {
				continue
			}
			v.errAt(line, col, CodeAttribute, string(local), "attribute %s is not allowed on <%s>", a.name, local)
			continue
		}
		if depth == 0 && string(a.name) == "Version" {
			version, hasVersion = a.value, true
			continue
		}
		if depth > 0 || v.g.Root(string(local)) != nil {
			v.errAt(line, col, CodeAttribute, string(local), "attribute %s is not allowed on <%s>", a.name, local)
		}
	}

	f := frame{line: line, col: col}
	if depth == 0 {
		el := v.g.Root(string(local))
		switch {
		case ns != v.g.Namespace:
			v.errAt(line, col, CodeNamespace, string(local), "root element <%s> is in namespace %q, want %q (GAR-ENT %s grammar)", local, ns, v.g.Namespace, v.g.Degree)
			f.skip = true
		case el == nil:
			v.errAt(line, col, CodeRoot, string(local), "root element <%s> is not a GAR-ENT %s root", local, v.g.Degree)
			f.skip = true
		case v.opts.Type != "" && el != v.g.Roots[v.opts.Type]:
			v.errAt(line, col, CodeRoot, string(local), "root element <%s> in a %s file, want <%s>", local, v.opts.Type, v.opts.Type.Root())
			f.el = el
		default:
			f.el = el
		}
		if f.el != nil {
			v.rootEl = f.el
			v.res.Root = f.el.Name
			if !hasVersion {
				v.errAt(line, col, CodeAttribute, f.el.Name, "attribute Version is required on <%s>", f.el.Name)
			}
			v.res.Version = string(version)
			for len(v.keys) < len(f.el.Keys) {
				v.keys = append(v.keys, newKeySet())
			}
			for _, k := range v.keys {
				k.reset()
			}
		}
		v.frames = append(v.frames, f)
		return true
	}
	parent := &v.frames[depth-1]
	if parent.skip {
		f.skip = true
		v.frames = append(v.frames, f)
		return true
	}
	if depth == 1 {
		v.node.Fields = v.node.Fields[:0]
		v.node.text = v.node.text[:0]
		v.node.Invalid, v.node.DuplicateKey, v.node.Truncated = false, false, false
		v.node.Line, v.node.Column = line, col
		clear(v.groups)
	}
	if parent.el.Type != nil {
		v.errAt(line, col, CodeContent, string(local), "element <%s> is not allowed in <%s>, which holds a simple value", local, parent.el.Name)
		f.skip = true
		v.frames = append(v.frames, f)
		return true
	}
	el := v.match(parent, ns, local, line, col)
	if el == nil {
		f.skip = true
		v.frames = append(v.frames, f)
		return true
	}
	f.el = el
	if depth == 1 {
		v.node.Name = el.Name
	}
	if depth == 2 && el.Type == nil {
		v.groups[el.Name]++
		f.group = v.groups[el.Name]
	}
	f.tstart = len(v.node.text)
	v.frames = append(v.frames, f)
	return true
}

// match advances the parent's sequence to the child; nil when it does not
// fit (the error is reported).
func (v *validator) match(parent *frame, ns string, local []byte, line, col int) *Element {
	seq := parent.el.Sequence
	for {
		if parent.pi >= len(seq) {
			v.errAt(line, col, CodeContent, string(local), "unexpected element <%s> in <%s>: no more elements are allowed here", v.qname(ns, local), parent.el.Name)
			return nil
		}
		p := seq[parent.pi]
		if p.Element.Name == string(local) && ns == v.g.Namespace {
			if p.Max == Unbounded || parent.count < p.Max {
				parent.count++
				return p.Element
			}
		}
		if parent.count < p.Min {
			v.errAt(line, col, CodeContent, string(local), "unexpected element <%s> in <%s>: expected <%s>", v.qname(ns, local), parent.el.Name, p.Element.Name)
			return nil
		}
		parent.pi++
		parent.count = 0
	}
}

func (v *validator) qname(ns string, local []byte) string {
	if ns == v.g.Namespace {
		return string(local)
	}
	return "{" + ns + "}" + string(local)
}

func (v *validator) text() {
	f := &v.frames[len(v.frames)-1]
	if f.skip {
		return
	}
	if f.el.Type == nil {
		if !f.textErr && !isSpace(v.sc.text) {
			f.textErr = true
			v.errAt(v.sc.tokLine, v.sc.tokCol, CodeContent, f.el.Name, "text is not allowed in <%s>, which holds elements only", f.el.Name)
		}
		return
	}
	if len(v.frames) > 1 && len(v.node.text)-f.tstart < maxToken {
		v.node.text = append(v.node.text, v.sc.text...)
	}
}

func (v *validator) end() {
	depth := len(v.frames) - 1
	f := v.frames[depth]
	v.frames = v.frames[:depth]
	for len(v.binds) > 0 && v.binds[len(v.binds)-1].depth == depth {
		v.binds = v.binds[:len(v.binds)-1]
	}
	if f.skip {
		return
	}
	line, col := v.sc.tokLine, v.sc.tokCol
	if f.el.Type != nil {
		if depth > 0 {
			v.checkValue(&f)
		}
	} else {
		seq := f.el.Sequence
		for i := f.pi; i < len(seq); i++ {
			n := 0
			if i == f.pi {
				n = f.count
			}
			if n < seq[i].Min {
				v.errAt(line, col, CodeContent, f.el.Name, "<%s> is incomplete: missing <%s>", f.el.Name, seq[i].Element.Name)
				break
			}
		}
	}
	if depth == 1 {
		v.res.Nodes++
		v.checkKey()
		if v.opts.OnNode != nil {
			v.opts.OnNode(&v.node)
		}
	}
}

func (v *validator) checkValue(f *frame) {
	val := v.node.text[f.tstart:]
	t := f.el.Type
	switch t.Base {
	case String:
		if t.MaxLength > 0 && len(val) > t.MaxLength {
			if n := utf8.RuneCount(val); n > t.MaxLength {
				v.errAt(f.line, f.col, CodeLength, f.el.Name, "<%s> has %d characters, more than the %d of %s", f.el.Name, n, t.MaxLength, t.Name)
			}
		}
	case Date:
		if !validDate(trimSpace(val)) {
			v.errAt(f.line, f.col, CodeDate, f.el.Name, "<%s> %q is not a valid xs:date (YYYY-MM-DD)", f.el.Name, truncate(val))
		}
	}
	if len(v.frames) < 2 {
		return
	}
	parent := ""
	group := 0
	if len(v.frames) == 3 {
		pf := &v.frames[2]
		parent, group = pf.el.Name, pf.group
	}
	if len(v.frames) > 3 {
		return
	}
	if len(v.node.Fields) >= maxNodeFields || len(v.node.text) > maxNodeText {
		v.node.Truncated = true
		v.node.text = v.node.text[:f.tstart]
		return
	}
	v.node.Fields = append(v.node.Fields, Field{Parent: parent, Group: group, Name: f.el.Name, start: f.tstart, end: len(v.node.text)})
}

func (v *validator) checkKey() {
	if v.rootEl == nil {
		return
	}
	for i, k := range v.rootEl.Keys {
		if k.Selector != v.node.Name {
			continue
		}
		b := v.keyBuf[:0]
		for j, name := range k.Fields {
			val := v.node.Get(name)
			if val == nil {
				return // the content error is already reported
			}
			if j > 0 {
				b = append(b, 0)
			}
			b = append(b, val...)
		}
		v.keyBuf = b
		if v.keys[i].add(b) {
			v.node.DuplicateKey = true
			v.errAt(v.node.Line, v.node.Column, CodeKey, v.node.Name, "duplicate key %s (%s) for <%s>: %s",
				k.Name, strings.Join(k.Fields, ", "), v.node.Name, strings.ReplaceAll(truncate(b), "\x00", " / "))
		}
	}
}

func truncate(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpaceByte(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpaceByte(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// validDate checks the xs:date lexical space of XSD 1.0: -?YYYY-MM-DD with
// a year of at least four digits (no leading zero beyond four, not 0000),
// a day that exists in the month, and an optional zone Z or (+|-)hh:mm.
func validDate(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i < 4 || (i > 4 && b[0] == '0') {
		return false
	}
	year := 0
	zero := true
	for _, c := range b[:i] {
		if c != '0' {
			zero = false
		}
		if year < 1e6 {
			year = year*10 + int(c-'0')
		}
	}
	if zero {
		return false
	}
	b = b[i:]
	if len(b) < 6 || b[0] != '-' || b[3] != '-' || !digits(b[1:3]) || !digits(b[4:6]) {
		return false
	}
	month := int(b[1]-'0')*10 + int(b[2]-'0')
	day := int(b[4]-'0')*10 + int(b[5]-'0')
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return false
	}
	z := b[6:]
	switch {
	case len(z) == 0:
		return true
	case len(z) == 1 && z[0] == 'Z':
		return true
	case len(z) == 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':' && digits(z[1:3]) && digits(z[4:6]):
		hh := int(z[1]-'0')*10 + int(z[2]-'0')
		mm := int(z[4]-'0')*10 + int(z[5]-'0')
		return mm <= 59 && (hh < 14 || hh == 14 && mm == 0)
	}
	return false
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// daysIn returns the days of a month of the proleptic Gregorian calendar
// that xs:date uses: day 0 of the next month is the last of this one.
func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
