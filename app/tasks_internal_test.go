package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"tandem/domain"
	"tandem/workflows"
)

func TestUpdateError(t *testing.T) {
	fields := []domain.FieldError{{Field: "operating", Reason: "required"}}
	for _, tc := range []struct {
		name   string
		err    error
		code   string
		fields int
	}{
		{"TaskClosed", temporal.NewApplicationError("closed", workflows.ErrTypeTaskClosed), domain.ECONFLICT, 0},
		{"NotYours", temporal.NewApplicationError("the task is claimed by b", workflows.ErrTypeNotYours), domain.EFORBIDDEN, 0},
		{"InvalidResult", temporal.NewApplicationError("the result is not valid", workflows.ErrTypeInvalidResult, fields), domain.EINVALID, 1},
		{"WorkflowGone", fmt.Errorf("update: %w", serviceerror.NewNotFound("workflow not found")), domain.ECONFLICT, 0},
		{"Timeout", context.DeadlineExceeded, domain.EUNAVAILABLE, 0},
		{"EngineDown", serviceerror.NewUnavailable("down"), domain.EUNAVAILABLE, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var de *domain.Error
			if err := updateError(tc.err); !errors.As(err, &de) || de.Code != tc.code || len(de.Fields) != tc.fields {
				t.Fatalf("updateError(%v) = %v, want %s with %d fields", tc.err, err, tc.code, tc.fields)
			}
		})
	}
	if updateError(nil) != nil {
		t.Fatal("updateError(nil) is not nil")
	}
}
