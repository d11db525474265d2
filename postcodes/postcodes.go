// Package postcodes finds where UK postcodes are, with a postcodes.io API:
// the public one at https://api.postcodes.io, or a copy a council runs
// itself (postcodes.io is open source, and its data is the ONS Postcode
// Directory). Client is the contact.Locator the services use to fill in and
// check the positions of homes.
package postcodes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds one lookup. A person is waiting on a form, and a
// lookup that does not answer only means they type the position in.
const DefaultTimeout = 3 * time.Second

// maxBody is the most of an answer read: a postcode's record is a few
// kilobytes.
const maxBody = 1 << 20

// Options tune a Client; zero values give the defaults.
type Options struct {
	// HTTPClient makes the requests (default: http.DefaultClient).
	HTTPClient *http.Client
	// Timeout bounds each lookup (default DefaultTimeout).
	Timeout time.Duration
	// Logger records lookups that fail (default: slog.Default()). The
	// people entering a home are told only to enter its position by hand.
	Logger *slog.Logger
}

// Client looks postcodes up with a postcodes.io API.
type Client struct {
	base    string
	http    *http.Client
	timeout time.Duration
	log     *slog.Logger
}

// New returns a client of the postcodes.io API at baseURL, such as
// "https://api.postcodes.io", or an error for a URL that is not http or
// https.
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("postcodes: %q is not an http or https URL like https://api.postcodes.io", baseURL)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = http.DefaultClient
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), http: opts.HTTPClient, timeout: opts.Timeout, log: opts.Logger}, nil
}

// answer is the part of postcodes.io's answer that is used. Positions are
// null for postcodes with no grid reference (those of the Channel Islands
// and the Isle of Man, and some new ones).
type answer struct {
	Status int `json:"status"`
	Result *struct {
		Postcode  string   `json:"postcode"`
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
	} `json:"result"`
}

// Locate asks GET {base}/postcodes/{postcode} where postcode is. found is
// false when the API does not know the postcode (404) or knows it without a
// position; err is for an API that is down, slow or makes no sense.
func (c *Client) Locate(ctx context.Context, postcode string) (lat, lon float64, found bool, err error) {
	lat, lon, found, err = c.locate(ctx, postcode)
	if err != nil {
		c.log.WarnContext(ctx, "postcode lookup failed; positions must be entered by hand", "postcode", postcode, "err", err)
	}
	return lat, lon, found, err
}

func (c *Client) locate(ctx context.Context, postcode string) (lat, lon float64, found bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/postcodes/"+url.PathEscape(postcode), nil)
	if err != nil {
		return 0, 0, false, fmt.Errorf("postcodes: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "respite (+https://github.com/respite-uk/respite)")
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return 0, 0, false, fmt.Errorf("postcodes: no answer within %s: %w", c.timeout, err)
		}
		return 0, 0, false, fmt.Errorf("postcodes: %w", err)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxBody)
	switch {
	case resp.StatusCode == http.StatusNotFound:
		// "Postcode not found", or "Invalid postcode" for one that only
		// looks like a postcode.
		_, _ = io.Copy(io.Discard, body)
		return 0, 0, false, nil
	case resp.StatusCode != http.StatusOK:
		_, _ = io.Copy(io.Discard, body)
		return 0, 0, false, fmt.Errorf("postcodes: the lookup answered %s", resp.Status)
	}
	var a answer
	if err := json.NewDecoder(body).Decode(&a); err != nil {
		return 0, 0, false, fmt.Errorf("postcodes: reading the answer: %w", err)
	}
	if a.Result == nil {
		return 0, 0, false, errors.New("postcodes: the answer has no result")
	}
	if a.Result.Latitude == nil || a.Result.Longitude == nil {
		return 0, 0, false, nil
	}
	return *a.Result.Latitude, *a.Result.Longitude, true, nil
}
