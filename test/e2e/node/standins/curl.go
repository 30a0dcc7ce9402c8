package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// curl implements the options the shipped policies pass to curl: --fail, --silent, --show-error,
// --location, --proto =https, --retry N, --max-time SEC, --output FILE, -X METHOD, -H HEADER,
// --data BODY and one URL. Exit codes follow curl's (7 connect, 22 HTTP error with --fail,
// 28 timeout, 60 certificate, 1 protocol refused). Trust comes from the system bundle, as curl's.
func curl(args []string) int {
	o := curlOptions{method: "", retries: 0, maxTime: 0}
	if code := o.parse(args); code != 0 {
		return code
	}
	u, err := url.Parse(o.url)
	if err != nil || u.Host == "" {
		return o.fail(3, "URL rejected: Malformed input to a URL function")
	}
	if o.protoHTTPSOnly && u.Scheme != "https" {
		return o.fail(1, "Protocol \""+u.Scheme+"\" disabled")
	}
	code := 0
	for attempt := 0; attempt <= o.retries; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * time.Second)
		}
		var transient bool
		code, transient = o.once()
		if code == 0 || !transient {
			return code
		}
	}
	return code
}

type curlOptions struct {
	fail22, silent, showError, location, protoHTTPSOnly bool
	retries                                             int
	maxTime                                             time.Duration
	output, method, data, url                           string
	headers                                             []string
}

func (o *curlOptions) parse(args []string) int {
	next := func(i *int) (string, bool) {
		*i++
		if *i >= len(args) {
			return "", false
		}
		return args[*i], true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v string
		var ok = true
		switch a {
		case "--fail", "-f":
			o.fail22 = true
		case "--silent", "-s":
			o.silent = true
		case "--show-error", "-S":
			o.showError = true
		case "--location", "-L":
			o.location = true
		case "--proto":
			v, ok = next(&i)
			if v != "=https" {
				return usage("curl", "--proto: only =https is implemented")
			}
			o.protoHTTPSOnly = true
		case "--retry":
			v, ok = next(&i)
			o.retries, _ = strconv.Atoi(v)
		case "--max-time", "-m":
			v, ok = next(&i)
			n, _ := strconv.Atoi(v)
			o.maxTime = time.Duration(n) * time.Second
		case "--output", "-o":
			o.output, ok = next(&i)
		case "-X", "--request":
			o.method, ok = next(&i)
		case "-H", "--header":
			v, ok = next(&i)
			o.headers = append(o.headers, v)
		case "--data", "-d":
			o.data, ok = next(&i)
		default:
			if strings.HasPrefix(a, "-") {
				return usage("curl", "option "+a+" is not implemented")
			}
			o.url = a
		}
		if !ok {
			return usage("curl", "option "+a+" needs a value")
		}
	}
	if o.url == "" {
		return usage("curl", "no URL")
	}
	return 0
}

func (o *curlOptions) fail(code int, msg string) int {
	if !o.silent || o.showError {
		fmt.Fprintf(os.Stderr, "curl: (%d) %s\n", code, msg)
	}
	return code
}

// once makes one request; it returns curl's exit code and whether --retry may try again.
func (o *curlOptions) once() (int, bool) {
	ctx := context.Background()
	if o.maxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.maxTime)
		defer cancel()
	}
	method := o.method
	var body io.Reader
	if o.data != "" {
		body = strings.NewReader(o.data)
		if method == "" {
			method = http.MethodPost
		}
	}
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, o.url, body)
	if err != nil {
		return o.fail(3, err.Error()), false
	}
	if o.data != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range o.headers {
		if k, v, found := strings.Cut(h, ":"); found {
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	client := &http.Client{}
	if !o.location {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	res, err := client.Do(req)
	if err != nil {
		var certErr *tls.CertificateVerificationError
		var opErr *net.OpError
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			return o.fail(28, "Operation timed out"), true
		case errors.As(err, &certErr):
			return o.fail(60, "SSL certificate problem: "+certErr.Err.Error()), false
		case errors.As(err, &opErr):
			return o.fail(7, "Failed to connect: "+opErr.Err.Error()), true
		default:
			return o.fail(56, err.Error()), true
		}
	}
	defer res.Body.Close()
	if o.fail22 && res.StatusCode >= 400 {
		transient := res.StatusCode == 408 || res.StatusCode == 429 || res.StatusCode >= 500
		return o.fail(22, "The requested URL returned error: "+strconv.Itoa(res.StatusCode)), transient
	}
	out := io.Writer(os.Stdout)
	if o.output != "" && o.output != "-" {
		f, err := os.Create(o.output)
		if err != nil {
			return o.fail(23, "Failure writing output to destination: "+err.Error()), false
		}
		defer f.Close()
		out = f
	}
	if _, err := io.Copy(out, res.Body); err != nil {
		return o.fail(23, "Failure writing output to destination: "+err.Error()), false
	}
	return 0, false
}
