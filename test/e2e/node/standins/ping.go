package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
)

// ping implements `ping [-c COUNT] [-W SEC] HOST` (options before or after HOST) over an ICMP
// datagram socket, as iputils' ping does without CAP_NET_RAW: it works for a user whose group is in
// net.ipv4.ping_group_range and fails with "Permission denied" otherwise. IPv4 only.
func ping(args []string) int {
	count, wait := 1, 2*time.Second
	host := ""
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-c", "-W":
			if i+1 >= len(args) {
				return usage("ping", args[i]+" needs a number")
			}
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n < 1 {
				return usage("ping", args[i]+" "+args[i+1]+": not a positive number")
			}
			if args[i] == "-c" {
				count = n
			} else {
				wait = time.Duration(n) * time.Second
			}
			i++
		default:
			host = args[i]
		}
	}
	if host == "" {
		return usage("ping", "no host")
	}
	addrs, err := net.LookupIP(host)
	var ip net.IP
	for _, a := range addrs {
		if v4 := a.To4(); v4 != nil {
			ip = v4
			break
		}
	}
	if err != nil || ip == nil {
		fmt.Fprintf(os.Stderr, "ping: %s: Name or service not known\n", host)
		return 2
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, syscall.IPPROTO_ICMP)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ping: socket: %s\n", describe(err))
		return 2
	}
	defer syscall.Close(fd)
	tv := syscall.NsecToTimeval(wait.Nanoseconds())
	_ = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	fmt.Printf("PING %s (%s) 56(84) bytes of data.\n", host, ip)
	received := 0
	for seq := 1; seq <= count; seq++ {
		msg := make([]byte, 64)
		msg[0] = 8 // echo request; the kernel fills the identifier and checksum of a datagram socket
		binary.BigEndian.PutUint16(msg[6:], uint16(seq))
		sa := &syscall.SockaddrInet4{}
		copy(sa.Addr[:], ip)
		start := time.Now()
		if err := syscall.Sendto(fd, msg, 0, sa); err != nil {
			fmt.Fprintf(os.Stderr, "ping: sendmsg: %s\n", describe(err))
			continue
		}
		buf := make([]byte, 1500)
		for {
			n, _, err := syscall.Recvfrom(fd, buf, 0)
			if err != nil {
				break
			}
			if n >= 8 && buf[0] == 0 && binary.BigEndian.Uint16(buf[6:]) == uint16(seq) {
				received++
				fmt.Printf("64 bytes from %s: icmp_seq=%d time=%.3f ms\n", ip, seq, float64(time.Since(start).Microseconds())/1000)
				break
			}
		}
	}
	fmt.Printf("--- %s ping statistics ---\n%d packets transmitted, %d received\n", host, count, received)
	if received == 0 {
		return 1
	}
	return 0
}

func describe(err error) string {
	if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
		return "Permission denied"
	}
	return err.Error()
}
