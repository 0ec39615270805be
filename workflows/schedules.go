package workflows

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"tandem/calendar"
)

// CycleSchedules are the three Schedules of the joint meeting, in Asia/Shanghai time at the
// given hour: monthly on the 1st, quarterly on 1 January, April, July and October, half-yearly
// on 1 January and July. Each run covers the period just ended. Runs may overlap (a month's
// human work can spill into the next); a period runs once however often it is triggered.
// Missed runs are caught up for a day; older ones are backfilled by an admin
// (POST /api/v1/cycles/{kind}/{period}/run).
func CycleSchedules(hour int) []client.ScheduleOptions {
	spec := func(months ...int) client.ScheduleSpec {
		var ms []client.ScheduleRange
		for _, m := range months {
			ms = append(ms, client.ScheduleRange{Start: m})
		}
		if len(ms) == 0 {
			ms = []client.ScheduleRange{{Start: 1, End: 12}}
		}
		return client.ScheduleSpec{
			Calendars: []client.ScheduleCalendarSpec{{
				Second: []client.ScheduleRange{{Start: 0}}, Minute: []client.ScheduleRange{{Start: 0}},
				Hour: []client.ScheduleRange{{Start: hour}}, DayOfMonth: []client.ScheduleRange{{Start: 1}},
				Month: ms, DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
			}},
			TimeZoneName: "Asia/Shanghai",
		}
	}
	opt := func(kind string, s client.ScheduleSpec) client.ScheduleOptions {
		return client.ScheduleOptions{
			ID: "tandem-" + kind, Spec: s, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, CatchupWindow: 24 * time.Hour,
			Action: &client.ScheduleWorkflowAction{ID: "cycle-" + kind, Workflow: ScheduledCycleWorkflowName, Args: []any{kind},
				TaskQueue: TaskQueue},
		}
	}
	return []client.ScheduleOptions{
		opt(calendar.Monthly, spec()),
		opt(calendar.Quarterly, spec(1, 4, 7, 10)),
		opt(calendar.HalfYear, spec(1, 7)),
	}
}

// EnsureSchedules creates the cycle Schedules, or updates their spec when they exist.
func EnsureSchedules(ctx context.Context, c client.Client, hour int) error {
	for _, opts := range CycleSchedules(hour) {
		_, err := c.ScheduleClient().Create(ctx, opts)
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			spec, action := opts.Spec, opts.Action
			err = c.ScheduleClient().GetHandle(ctx, opts.ID).Update(ctx, client.ScheduleUpdateOptions{
				DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
					in.Description.Schedule.Spec = &spec
					in.Description.Schedule.Action = action
					return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
				},
			})
		}
		if err != nil {
			return err
		}
	}
	return nil
}
