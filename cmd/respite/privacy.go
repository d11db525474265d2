package main

import (
	"context"
	"errors"
)

// exportCmd prints everything held about a carer: respite export carer ID.
func exportCmd(ctx context.Context, e env, args []string) error {
	return errors.New("not built yet")
}
