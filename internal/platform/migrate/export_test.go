package migrate

// CheckOrder exposes the version rule to the external tests.
var CheckOrder = checkOrder
