//go:build tmpsentinels

package booking

import "github.com/respite-uk/respite/apperr"

var (
	ErrCarerNotFound  = apperr.New(apperr.NotFound, "There is no carer with that id.")
	ErrPersonNotFound = apperr.New(apperr.NotFound, "There is no person with that id.")
	ErrNotAllowed     = apperr.New(apperr.Forbidden, "Only the duty team and administrators can change carers' records.")
)
