package gar

// Group statuses (GARGroupeStatut): a division is a class, a group is any
// other set of pupils (language groups, options...).
const (
	StatusDivision = "DIVISION"
	StatusGroup    = "GROUPE"
)
