package domain_test

import (
	"sort"
	"strings"
	"testing"

	"tandem/domain"
)

func fields(v domain.Validation) string {
	err := v.Err("x")
	if err == nil {
		return ""
	}
	seen := map[string]bool{}
	for _, f := range err.(*domain.Error).Fields {
		seen[f.Field] = true
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestCheckElection(t *testing.T) {
	sec := func(votes int) domain.Elected { return domain.Elected{Name: "张三", Post: "secretary", Votes: votes} }
	small := domain.ElectionContext{FormalMembers: 5}
	committee := domain.ElectionContext{FormalMembers: 9, Committee: true}
	reg := domain.ElectionContext{FormalMembers: 3, Register: map[string]bool{"张三": true, "李四": false}}
	tests := []struct {
		name   string
		c      domain.ElectionContext
		e      domain.Election
		fields string
	}{
		{"OKSecretaryOnly", small, domain.Election{VotingMembers: 5, Present: 5, Seats: 1, Candidates: 1, Elected: []domain.Elected{sec(5)}}, ""},
		{"OKSecretaryAndDeputy", small, domain.Election{VotingMembers: 5, Present: 5, Seats: 2, Candidates: 2,
			Elected: []domain.Elected{sec(4), {Name: "王五", Post: "deputy_secretary", Votes: 3}}}, ""},
		{"ErrVotersAboveFormal", small, domain.Election{VotingMembers: 6, Present: 6, Seats: 1, Candidates: 1, Elected: []domain.Elected{sec(6)}}, "voting_members"},
		// 4 of 5 is exactly 4/5: not more than 4/5.
		{"ErrAttendanceExactlyFourFifths", small, domain.Election{VotingMembers: 5, Present: 4, Seats: 1, Candidates: 1, Elected: []domain.Elected{sec(4)}}, "present"},
		// 3 of 6 voting is exactly half: not more than half.
		{"ErrVotesExactlyHalf", domain.ElectionContext{FormalMembers: 6}, domain.Election{VotingMembers: 6, Present: 6, Seats: 1, Candidates: 1, Elected: []domain.Elected{sec(3)}}, "elected[0].votes"},
		{"ErrMemberWithoutCommittee", small, domain.Election{VotingMembers: 5, Present: 5, Seats: 2, Candidates: 2,
			Elected: []domain.Elected{sec(5), {Name: "王五", Post: "member", Votes: 5}}}, "elected[1].post"},
		{"ErrNoSecretary", small, domain.Election{VotingMembers: 5, Present: 5, Seats: 1, Candidates: 1,
			Elected: []domain.Elected{{Name: "王五", Post: "deputy_secretary", Votes: 5}}}, "elected"},
		{"OKCommittee", committee, domain.Election{VotingMembers: 9, Present: 8, Seats: 3, Candidates: 4,
			Elected: []domain.Elected{sec(8), {Name: "王五", Post: "deputy_secretary", Votes: 7}, {Name: "赵六", Post: "member", Votes: 5}}}, ""},
		// 5 seats need ⌈6⌉ = 6 candidates; 3 seats need ⌈3.6⌉ = 4.
		{"ErrCommitteeCandidates", committee, domain.Election{VotingMembers: 9, Present: 9, Seats: 5, Candidates: 5, Elected: []domain.Elected{sec(9)}}, "candidates"},
		{"ErrCommitteeCandidatesRoundUp", committee, domain.Election{VotingMembers: 9, Present: 9, Seats: 3, Candidates: 3, Elected: []domain.Elected{sec(9)}}, "candidates"},
		{"ErrCommitteeSeats", committee, domain.Election{VotingMembers: 9, Present: 9, Seats: 2, Candidates: 3, Elected: []domain.Elected{sec(9)}}, "seats"},
		{"ErrProbationaryElected", reg, domain.Election{VotingMembers: 3, Present: 3, Seats: 2, Candidates: 2,
			Elected: []domain.Elected{sec(3), {Name: "李四", Post: "deputy_secretary", Votes: 3}}}, "elected[1].name"},
		{"ErrNotInRegister", reg, domain.Election{VotingMembers: 3, Present: 3, Seats: 1, Candidates: 1,
			Elected: []domain.Elected{{Name: "路人", Post: "secretary", Votes: 3}}}, "elected[0].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v domain.Validation
			domain.CheckElection(tt.c, tt.e, &v)
			if got := fields(v); got != tt.fields {
				t.Fatalf("fields %q, want %q (%v)", got, tt.fields, v.Err("x"))
			}
			if err := v.Err("x"); err != nil && tt.fields != "elected" && !strings.Contains(err.Error(), "rule") &&
				!strings.Contains(err.Error(), "register") && !strings.Contains(err.Error(), "exceed") {
				t.Fatalf("reason does not name a rule: %v", err)
			}
		})
	}
}

func TestUpgradePrompt(t *testing.T) {
	for _, tt := range []struct {
		kind    domain.PartyOrgKind
		members int
		want    domain.PartyOrgKind
	}{
		{domain.KindBranch, 49, ""}, {domain.KindBranch, 50, domain.KindGeneralBranch},
		{domain.KindBranch, 100, domain.KindBaseCommittee}, {domain.KindGeneralBranch, 60, ""},
		{domain.KindTemporary, 200, ""}, {domain.KindBaseCommittee, 300, ""},
	} {
		if got := domain.UpgradePrompt(tt.kind, tt.members); got != tt.want {
			t.Errorf("%s with %d: %q, want %q", tt.kind, tt.members, got, tt.want)
		}
	}
}

func TestCheckElectionPersonsAndDates(t *testing.T) {
	c := domain.ElectionContext{FormalMembers: 5, Today: "2026-11-26"}
	e := func(heldOn string, names ...string) domain.Election {
		el := domain.Election{VotingMembers: 5, Present: 5, Seats: len(names), Candidates: len(names), HeldOn: heldOn}
		for i, n := range names {
			post := "secretary"
			if i > 0 {
				post = "deputy_secretary"
			}
			el.Elected = append(el.Elected, domain.Elected{Name: n, Post: post, Votes: 5})
		}
		return el
	}
	tests := []struct {
		name   string
		c      domain.ElectionContext
		e      domain.Election
		fields string
	}{
		{"OKHeldToday", c, e("2026-11-26", "张三", "李四"), ""},
		{"OKUndated", c, e("", "张三"), ""},
		{"ErrSamePersonTwoPosts", c, e("2026-11-25", "张三", " 张三"), "elected[1].name"},
		{"ErrHeldInFuture", c, e("2026-11-27", "张三"), "held_on"},
		{"OKNoTodayChecksNoDate", domain.ElectionContext{FormalMembers: 5}, e("2027-01-01", "张三"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v domain.Validation
			domain.CheckElection(tt.c, tt.e, &v)
			if got := fields(v); got != tt.fields {
				t.Fatalf("fields %q, want %q (%v)", got, tt.fields, v.Err("x"))
			}
		})
	}
}

func TestCheckReport(t *testing.T) {
	tests := []struct{ name, heldOn, today, first, fields string }{
		{"OKSameDay", "2026-11-20", "2026-11-26", "2026-11-20", ""},
		{"OKUndatedElection", "", "2026-11-26", "2026-11-01", ""},
		{"ErrFirstMeetingBeforeElection", "2026-11-20", "2026-11-26", "2026-11-19", "first_meeting_on"},
		{"ErrFirstMeetingInFuture", "2026-11-20", "2026-11-26", "2026-11-27", "first_meeting_on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v domain.Validation
			domain.CheckReport(tt.heldOn, tt.today, tt.first, &v)
			if got := fields(v); got != tt.fields {
				t.Fatalf("fields %q, want %q (%v)", got, tt.fields, v.Err("x"))
			}
		})
	}
}
