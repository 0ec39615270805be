package store

import (
	"context"
	"fmt"
	"strings"

	"tandem/domain"
)

// regStatusSQL normalises a registration status text column onto domain.RegStatus, by the
// same word table as domain.RegStatusOf (first match wins).
func regStatusSQL(col string) string {
	var b strings.Builder
	// A value that is one of the words exactly (the usual case: 存续, 正常) is found by equality,
	// without a scan of LIKE patterns for every row of an extract.
	fmt.Fprintf(&b, "CASE %s WHEN '' THEN %s", col, quoteLiteral(string(domain.RegUnknown)))
	for _, w := range domain.RegStatusWords {
		if domain.RegStatusOf(w.Word) == w.Status {
			fmt.Fprintf(&b, " WHEN %s THEN %s", quoteLiteral(w.Word), quoteLiteral(string(w.Status)))
		}
	}
	b.WriteString(" ELSE CASE")
	for _, w := range domain.RegStatusWords {
		fmt.Fprintf(&b, " WHEN %s LIKE %s THEN %s", col, quoteLiteral("%"+w.Word+"%"), quoteLiteral(string(w.Status)))
	}
	fmt.Fprintf(&b, " ELSE %s END END", quoteLiteral(string(domain.RegUnknown)))
	return b.String()
}

// computedOnce ends a subquery whose derived columns an outer query reads more than once (the
// normalised status, in operatingSQL's three expressions): a subquery with an OFFSET is not
// merged into the query around it, so each of its columns is computed once a row instead of at
// each use (PostgreSQL, a million new organizations: 1.75 s -> 1.0 s for the statement's reads).
// SQLite needs a LIMIT with its OFFSET.
func (s *Store) computedOnce() string {
	if s.dialect == SQLite {
		return " LIMIT -1 OFFSET 0"
	}
	return " OFFSET 0"
}

// endedStatuses is the SQL list of the statuses whose registration ended (RegStatus.Ended).
func endedStatuses() string {
	return "(" + quoteLiteral(string(domain.RegDeregistered)) + ", " + quoteLiteral(string(domain.RegRevoked)) + ", " +
		quoteLiteral(string(domain.RegCancelled)) + ")"
}

// registrationOperatingSQL is what a normalised status expression says of operation
// (RegStatus.Operating): TRUE when active, NULL when unknown, FALSE otherwise.
func registrationOperatingSQL(status string) string {
	return fmt.Sprintf(`CASE %s WHEN %s THEN TRUE WHEN %s THEN NULL ELSE FALSE END`, status,
		quoteLiteral(string(domain.RegActive)), quoteLiteral(string(domain.RegUnknown)))
}

// operatingSQL is domain.OperatingState in SQL, given: ended (1 when a current source, or the
// officer's resolution, says the registration ended), the visit's finding, and the normalised
// status shown. It returns the three expressions for operating, operating_basis and
// operating_observed_at (endedAt, visitedAt and registeredAt date each basis).
func operatingSQL(ended, visited, status, endedAt, visitedAt, registeredAt string) (operating, basis, observedAt string) {
	reg := registrationOperatingSQL(status)
	operating = fmt.Sprintf(`CASE WHEN %[1]s = 1 THEN FALSE WHEN %[2]s IS NOT NULL THEN %[2]s ELSE %[3]s END`, ended, visited, reg)
	basis = fmt.Sprintf(`CASE WHEN %[1]s = 1 THEN %[4]s WHEN %[2]s IS NOT NULL THEN %[5]s WHEN %[3]s IS NOT NULL THEN %[6]s ELSE '' END`,
		ended, visited, reg, quoteLiteral(string(domain.BasisDeregistration)), quoteLiteral(string(domain.BasisVisit)),
		quoteLiteral(string(domain.BasisRegistration)))
	observedAt = fmt.Sprintf(`CASE WHEN %[1]s = 1 THEN %[4]s WHEN %[2]s IS NOT NULL THEN %[5]s WHEN %[3]s IS NOT NULL THEN %[6]s END`,
		ended, visited, reg, endedAt, visitedAt, registeredAt)
	return operating, basis, observedAt
}

// HeadCount is the 三有 head count in force: the configured one (TANDEM_MIN_EMPLOYEES), else
// domain.DefaultMinEmployees. It is the one home of that default: the API's figures, the census
// and CountedOperating all read it.
func (s *Store) HeadCount() int {
	if s.MinEmployees > 0 {
		return s.MinEmployees
	}
	return domain.DefaultMinEmployees
}

// CountedOperating is the one predicate for "an operating organization" in every figure
// (the denominators of the coverage rates, bulletins, analyses, assessment metrics) and for
// who is owed work coverage: on the roster (not missing), not known to be not operating
// (organizations.operating, domain.OperatingState), and not failing the 三有 test
// (domain.ThreeHavesOf: an unknown fact is no failure). alias is the organizations alias.
func (s *Store) CountedOperating(alias string) string {
	min := s.HeadCount()
	return fmt.Sprintf(`(NOT %[1]s.missing AND %[1]s.operating IS NOT FALSE AND %[1]s.fixed_premises IS NOT FALSE
		AND (%[1]s.employees IS NULL OR %[1]s.employees >= %[2]d))`, alias, min)
}

// regionRootSQL is the path of the region net's root unit: where an organization that names
// no known township is resolved.
const regionRootSQL = `(SELECT min(path) FROM units WHERE net = 'region' AND parent_id IS NULL)`

// regionScopeSQL places an organization without exactly one region unit (region_owners <> 1)
// at the lowest region unit over every candidate (lo and hi: the least and greatest candidate
// paths), or the root when none matched; ” when it has its one unit.
func regionScopeSQL(owners, lo, hi string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s = 1 THEN '' WHEN %[1]s > 1 THEN COALESCE((SELECT max(u.path) FROM units u
		WHERE u.net = 'region' AND substr(%[2]s, 1, length(u.path)) = u.path AND substr(%[3]s, 1, length(u.path)) = u.path), '')
		ELSE COALESCE(%[4]s, '') END`, owners, lo, hi, regionRootSQL)
}

// RegistrationEnded reports whether a current source of the organization says its
// registration ended (注销, 吊销, 撤销): whatever a visit finds, it is not operating
// (domain.OperatingState), so a verification decides nothing more for it.
func (s *Store) RegistrationEnded(ctx context.Context, uscc string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("organization_sources s").
		Where("s.uscc = ? AND NOT s.missing AND "+regStatusSQL("s.reg_status")+" IN "+endedStatuses(), uscc).Count(&n).Error
	return n > 0, translate(err, "organization sources")
}
