package xsd

// NodeLog records the nodes of a document so that they can be replayed
// later, in order, typically on another goroutine than the validation's.
// Fields are kept in 16 bytes each; memory is reused across Reset calls.
type NodeLog struct {
	text   []byte
	names  []string       // field and parent names, interned
	ids    map[string]int // index in names
	fields []loggedField
	nodes  []loggedNode
	cur    []Field // the fields of the node being replayed
}

type loggedField struct {
	name, parent uint16
	group        uint32
	start, end   uint32
}

type loggedNode struct {
	name         string
	line, col    int32
	invalid, dup bool
	truncated    bool
	f0, f1       int32
}

func (l *NodeLog) intern(s string) uint16 {
	if l.ids == nil {
		l.ids = map[string]int{"": 0}
		l.names = []string{""}
	}
	id, ok := l.ids[s]
	if !ok {
		id = len(l.names)
		l.names = append(l.names, s)
		l.ids[s] = id
	}
	return uint16(id)
}

// Add appends a copy of n.
func (l *NodeLog) Add(n *Node) {
	base := uint32(len(l.text))
	l.text = append(l.text, n.text...)
	f0 := int32(len(l.fields))
	for _, f := range n.Fields {
		l.fields = append(l.fields, loggedField{l.intern(f.Name), l.intern(f.Parent), uint32(f.Group), base + uint32(f.start), base + uint32(f.end)})
	}
	l.nodes = append(l.nodes, loggedNode{n.Name, int32(n.Line), int32(n.Column), n.Invalid, n.DuplicateKey, n.Truncated, f0, int32(len(l.fields))})
}

// Len returns the number of nodes recorded.
func (l *NodeLog) Len() int { return len(l.nodes) }

// Replay calls fn with each recorded node in order. The node is reused.
func (l *NodeLog) Replay(fn func(*Node)) {
	var n Node
	n.text = l.text
	for _, ln := range l.nodes {
		n.Name, n.Line, n.Column, n.Invalid, n.DuplicateKey, n.Truncated = ln.name, int(ln.line), int(ln.col), ln.invalid, ln.dup, ln.truncated
		l.cur = l.cur[:0]
		for _, f := range l.fields[ln.f0:ln.f1] {
			l.cur = append(l.cur, Field{Parent: l.names[f.parent], Group: int(f.group), Name: l.names[f.name], start: int(f.start), end: int(f.end)})
		}
		n.Fields = l.cur
		fn(&n)
	}
}

// Reset empties the log, keeping its memory.
func (l *NodeLog) Reset() {
	l.text, l.fields, l.nodes = l.text[:0], l.fields[:0], l.nodes[:0]
}
