package domain

import (
	"strings"
	"time"
)

// Organization is a new organization 两新组织 (a non-public enterprise or social organization),
// identified by its credit code.
type Organization struct {
	USCC      USCC
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RegStatus is a registration status 登记状态 normalised from the words each source uses
// (market 存续/在业, tax 正常, civil affairs 登记成立, …), so that sources are compared by what
// they mean and not by how they spell it.
type RegStatus string

// Registration statuses.
const (
	RegUnknown      RegStatus = "unknown"      // empty or unrecognised
	RegActive       RegStatus = "active"       // 存续、在业、开业、正常、登记成立、在册
	RegDeregistered RegStatus = "deregistered" // 注销
	RegRevoked      RegStatus = "revoked"      // 吊销
	RegCancelled    RegStatus = "cancelled"    // 撤销 (registration withdrawn)
	RegMovedOut     RegStatus = "moved_out"    // 迁出
	RegClosed       RegStatus = "closed"       // 歇业、停业
)

// RegStatusWords maps the words sources write onto a status, first match wins: a raw value
// names its status when it contains the word ("存续（在营、开业、在册）" is active, "吊销，未注销"
// is revoked because 吊销 comes before 注销 in the text's meaning — it is listed first). The
// store's SQL mapping is generated from this table (store.regStatusSQL), so the two agree.
var RegStatusWords = []struct {
	Word   string
	Status RegStatus
}{
	{"吊销", RegRevoked}, {"注销", RegDeregistered}, {"撤销", RegCancelled}, {"迁出", RegMovedOut},
	{"歇业", RegClosed}, {"停业", RegClosed}, {"非正常", RegUnknown}, // tax 非正常户: not filing, says nothing of registration
	{"存续", RegActive}, {"在业", RegActive}, {"在营", RegActive}, {"开业", RegActive}, {"正常", RegActive},
	{"登记成立", RegActive}, {"成立", RegActive}, {"在册", RegActive}, {"迁入", RegActive},
}

// RegStatusOf normalises a source's registration status text.
func RegStatusOf(raw string) RegStatus {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return RegUnknown
	}
	for _, w := range RegStatusWords {
		if strings.Contains(raw, w.Word) {
			return w.Status
		}
	}
	return RegUnknown
}

// Ended reports whether the registration no longer exists (注销, 吊销, 撤销): the organization
// is not operating whatever anyone saw before.
func (r RegStatus) Ended() bool { return r == RegDeregistered || r == RegRevoked || r == RegCancelled }

// Operating is what the registration alone says of operation: nil when unknown.
func (r RegStatus) Operating() *bool {
	switch r {
	case RegActive:
		return new(true)
	case RegUnknown, "":
		return nil
	}
	return new(false)
}

// OperatingBasis says which observation decided an organization's operating state
// (organizations.operating_basis).
type OperatingBasis string

// Operating bases.
const (
	BasisNone           OperatingBasis = ""               // nothing known
	BasisDeregistration OperatingBasis = "deregistration" // a source reports 注销/吊销/撤销: always wins
	BasisVisit          OperatingBasis = "visit"          // the latest field visit's finding
	BasisRegistration   OperatingBasis = "registration"   // the registration status (存续 … or 歇业, 迁出)
)

// OperatingBases lists the bases (the column's CHECK constraint).
var OperatingBases = []OperatingBasis{BasisNone, BasisDeregistration, BasisVisit, BasisRegistration}

// OperatingState is the one rule for whether an organization operates (G5 of issue #17): a
// registration that ended (any current source says 注销/吊销/撤销) always wins; otherwise the
// latest field visit decides, a later registration extract (存续) does not overturn what an
// inspector saw; otherwise the registration status; otherwise unknown (nil). The store's
// organizations.operating is computed by the same rule in SQL (store.operatingSQL).
func OperatingState(statuses []RegStatus, shown RegStatus, visited *bool) (*bool, OperatingBasis) {
	for _, s := range statuses {
		if s.Ended() {
			return new(false), BasisDeregistration
		}
	}
	if visited != nil {
		return new(*visited), BasisVisit
	}
	if op := shown.Operating(); op != nil {
		return op, BasisRegistration
	}
	return nil, BasisNone
}

// ThreeHaves is the outcome of the 三有 test (有经营场所、有从业人员、在正常经营) of a real
// operating organization.
type ThreeHaves string

// 三有 outcomes: an unknown fact (premises never visited, no head count) is never a failure.
const (
	ThreePass    ThreeHaves = "pass"
	ThreeFail    ThreeHaves = "fail"
	ThreeUnknown ThreeHaves = "unknown"
)

// ThreeHavesOf applies the 三有 test: it fails when a known fact fails (not operating, fewer
// employees than min, no fixed premises), passes when every fact is known and holds, and is
// unknown otherwise. It decides whether the organization counts in the operating figures and
// is owed work coverage; it never gates a formation (≥3 formal members decide that).
func ThreeHavesOf(operating *bool, employees *int, fixedPremises *bool, min int) ThreeHaves {
	if (operating != nil && !*operating) || (employees != nil && *employees < min) || (fixedPremises != nil && !*fixedPremises) {
		return ThreeFail
	}
	if operating == nil || employees == nil || fixedPremises == nil {
		return ThreeUnknown
	}
	return ThreePass
}

// DefaultMinEmployees is the 三有 head count an operating enterprise needs unless configured
// (TANDEM_MIN_EMPLOYEES).
const DefaultMinEmployees = 3
