package seller

import "time"

// SetClock makes the service read the time from now (tests of dates and days).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// LateActionSpent exposes the late-dispatch rule's repeat check to table tests.
var LateActionSpent = lateActionSpent
