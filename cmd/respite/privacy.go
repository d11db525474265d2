package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/respite-uk/respite/privacy"
)

const exportUsage = "export carer ID"

// exportCmd prints everything held about a carer: respite export carer ID.
// It is the document GET /api/v1/carers/{id}/export sends, for a
// subject access request, and it is recorded in the audit log as the
// command line's (with the login name in $USER).
func exportCmd(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintf(e.stdout, "Usage: respite %s\n\nPrints everything held about the carer with that id, and the people they care for, as one JSON\n"+
			"document: records, bookings and holds, allowance use, texts with their bodies, sign-in history,\n"+
			"feedback, unmet searches and the audit entries that name them. The export is recorded in the audit log.\n\n"+
			"  respite export carer 42 > carer-42.json\n", exportUsage)
		return nil
	}
	if len(args) == 0 || args[0] != "carer" {
		return &usageError{"say whose data to export: respite " + exportUsage}
	}
	if len(args) != 2 {
		return &usageError{"say which carer, by id: respite " + exportUsage}
	}
	id, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || id <= 0 {
		return &usageError{fmt.Sprintf("%q is not a carer's id (a whole number, such as 42)", args[1])}
	}
	a, err := open(e)
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.prepareSchema(ctx, false); err != nil {
		return err
	}
	doc, err := a.privacy.ExportCarer(ctx, operator(e), id)
	if err != nil {
		if errors.Is(err, privacy.ErrCarerNotFound) {
			return fmt.Errorf("there is no carer with id %d", id)
		}
		return describe(err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
