// Command etcd is etcd's own main, built from the published module so the end-to-end
// suite needs no download site: the same code as the release binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
