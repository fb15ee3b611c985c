package analytics

import "time"

// SetClock makes the service read the time from now, so tests can say what "today" is.
func (s *Service) SetClock(now func() time.Time) { s.now = now }
