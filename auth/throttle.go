package auth

import (
	"context"
	"net/netip"
	"time"

	"tandem/calendar"
	"tandem/domain"
	"tandem/store"
)

// Limits are the throttles against guessing. Only failures count, so people (and tests)
// signing in often from one address never trip them.
type Limits struct {
	// Account: failed sign-ins of one username (known or not, alike), from anywhere.
	Account store.ThrottleLimit
	// Address: failed sign-ins from one client address, across usernames.
	Address store.ThrottleLimit
	// Survey: survey links from one client address that match no survey (guessed tokens).
	Survey store.ThrottleLimit
}

// DefaultLimits: the 6th failure of an account within 15 minutes meets a 1-minute lock
// doubling up to an hour; an address gets 20 failed sign-ins (or 20 unknown survey links) per
// 15 minutes before a 5-minute lock doubling up to an hour.
func DefaultLimits() Limits {
	return Limits{
		Account: store.ThrottleLimit{Failures: 5, Window: 15 * time.Minute, Lock: time.Minute, MaxLock: time.Hour},
		Address: store.ThrottleLimit{Failures: 20, Window: 15 * time.Minute, Lock: 5 * time.Minute, MaxLock: time.Hour},
		Survey:  store.ThrottleLimit{Failures: 20, Window: 15 * time.Minute, Lock: 5 * time.Minute, MaxLock: time.Hour},
	}
}

// AddressKey is what the throttles count a client address as: an IPv4 address, or the /64 of
// an IPv6 address (one household or host usually holds a whole /64).
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// lockedError is the answer while a lock runs: 429 saying until when, in Beijing time.
func (s *Service) lockedError(until time.Time, format string) error {
	return domain.TooMany(until.Sub(s.Store.Now()), format, until.In(calendar.Shanghai).Format("2006-01-02 15:04:05"))
}

// CheckSurveyAddress returns ETOOMANY while addr is locked for opening unknown survey links.
func (s *Service) CheckSurveyAddress(ctx context.Context, addr string) error {
	until, err := s.Store.LockedUntil(ctx, store.SurveyAddressSubject(AddressKey(addr)))
	if err != nil || until.IsZero() {
		return err
	}
	return s.lockedError(until, "无效的调查表链接访问次数过多，已暂停至 %s（北京时间），请稍后再试。")
}

// SurveyMiss counts a survey link from addr that matched no survey.
func (s *Service) SurveyMiss(ctx context.Context, addr string) error {
	_, _, err := s.Store.RecordFailure(ctx, store.SurveyAddressSubject(AddressKey(addr)), s.Limits.Survey)
	return err
}
