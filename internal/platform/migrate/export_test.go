package migrate

// CheckOrder exposes the version rule to the external tests.
var CheckOrder = checkOrder

// RunSteps applies the given steps only (a migration's data tests stop before it).
var RunSteps = run
