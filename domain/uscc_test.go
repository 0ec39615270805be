package domain_test

import (
	"errors"
	"strings"
	"testing"

	"tandem/domain"
)

func TestParseUSCC(t *testing.T) {
	tests := []struct {
		name, in, want, reason string
	}{
		{"OK", "91110108551385082Q", "91110108551385082Q", ""},
		{"OKLetterCheck", "9144030071526726XG", "9144030071526726XG", ""},
		{"OKDigitCheck", "914403001922038216", "914403001922038216", ""},
		{"OKTrimmed", "  91110108551385082Q\t", "91110108551385082Q", ""},
		{"OKLowerCase", "9144030071526726xg", "9144030071526726XG", ""},
		{"OKFullWidth", "９１１１０１０８５５１３８５０８２Ｑ", "91110108551385082Q", ""},
		{"OKFullWidthSpace", "\u300091110108551385082Q\u3000", "91110108551385082Q", ""},
		{"OKBOM", "\uFEFF91110108551385082Q", "91110108551385082Q", ""},
		{"OKSpacedForReading", "9111 0108 5513 8508 2q", "91110108551385082Q", ""},
		{"OKNonBreakingSpaceAndLineBreak", "91110108\u00a0551385082\nQ", "91110108551385082Q", ""},
		{"ErrLegacySpaced", "110108 001234567", "", domain.USCCLegacy},
		{"ErrMissing", "", "", domain.USCCMissing},
		{"ErrMissingBlank", "  \u3000 ", "", domain.USCCMissing},
		{"ErrChecksum", "91110108551385082A", "", domain.USCCChecksum},
		{"ErrChecksumTransposed", "91110108551385028Q", "", domain.USCCChecksum},
		{"ErrMalformedShort", "9111010855138508", "", domain.USCCMalformed},
		{"ErrMalformedLong", "91110108551385082QQ", "", domain.USCCMalformed},
		{"ErrMalformedLetterI", "9111010855138508IQ", "", domain.USCCMalformed},
		{"ErrMalformedCheckO", "91110108551385082O", "", domain.USCCMalformed},
		{"ErrMalformedChinese", "九1110108551385082Q", "", domain.USCCMalformed},
		{"ErrLegacy15Digits", "110108001234567", "", domain.USCCLegacy},
		{"ErrMalformed15Mixed", "11010800123456A", "", domain.USCCMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseUSCC(tt.in)
			if tt.reason == "" {
				if err != nil || string(got) != tt.want {
					t.Fatalf("ParseUSCC(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			var ue *domain.USCCError
			if !errors.As(err, &ue) || ue.Reason != tt.reason {
				t.Fatalf("ParseUSCC(%q) error = %v; want reason %s", tt.in, err, tt.reason)
			}
			if domain.USCCReasonLabel(ue.Reason) == ue.Reason {
				t.Fatalf("reason %s has no Chinese label", ue.Reason)
			}
		})
	}
}

// FuzzParseUSCC checks invariants on any input: no panic; a valid code is 18 characters of
// the alphabet, parses to itself, and changing its check character makes it invalid.
func FuzzParseUSCC(f *testing.F) {
	for _, s := range []string{"91110108551385082Q", "９１１１０１０８５５１３８５０８２Ｑ", "110108001234567", "", "\uFEFF x", "91110108551385082"} {
		f.Add(s)
	}
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	f.Fuzz(func(t *testing.T, s string) {
		got, err := domain.ParseUSCC(s)
		if err != nil {
			var ue *domain.USCCError
			if !errors.As(err, &ue) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		code := string(got)
		if len(code) != 18 {
			t.Fatalf("valid code %q has length %d", code, len(code))
		}
		for _, r := range code {
			if !strings.ContainsRune(alphabet, r) {
				t.Fatalf("valid code %q holds %q", code, r)
			}
		}
		again, err := domain.ParseUSCC(code)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q, %v", code, again, err)
		}
		for _, c := range alphabet {
			if byte(c) == code[17] {
				continue
			}
			if _, err := domain.ParseUSCC(code[:17] + string(c)); err == nil {
				t.Fatalf("%q accepted with check %c as well", code, c)
			}
		}
	})
}

func TestCompleteUSCC(t *testing.T) {
	for _, body := range []string{"91110108551385082", "9144030071526726X", "91110108000000000"} {
		code := domain.CompleteUSCC(body)
		if got, err := domain.ParseUSCC(string(code)); err != nil || got != code {
			t.Fatalf("%s: %v %v", code, got, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a body outside the alphabet")
		}
	}()
	domain.CompleteUSCC("9111010855138508I")
}
