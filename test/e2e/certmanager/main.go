// Command certmanager runs cert-manager's own controllers and CA injector, imported as packages
// from the published github.com/cert-manager/cert-manager module, for the end-to-end suite.
//
// The wiring is ours: cert-manager's cmd/ binaries are separate modules the Go module proxy does
// not serve, and the suite needs only the parts an init-injector install uses. Two subcommands,
// run as two processes as in a real install:
//
//	certmanager controller --kubeconfig F [--cluster-resource-namespace NS]
//	    the issuers and clusterissuers controllers, every certificates-* controller, the
//	    built-in approver and the SelfSigned and CA CertificateRequest issuers
//	certmanager cainjector --kubeconfig F
//	    the CA injector, for MutatingWebhookConfigurations only
//
// No leader election, no metrics or health listeners (nothing listens on a port), no
// cert-manager webhook (the suite's objects are applied as written; the CRDs' OpenAPI schemas
// still validate them).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	apiregv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	controllerpkg "github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/controller/cainjector"
	logf "github.com/cert-manager/cert-manager/pkg/logs"

	// Each of these registers itself with controllerpkg.Register in its init().
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	// The issuer types the Issuer/ClusterIssuer controllers can set up (issuer.RegisterIssuer).
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// The controllers this binary runs: exactly the ones registered by the imports above.
var controllers = []string{
	"issuers",
	"clusterissuers",
	"certificates-trigger",
	"certificates-issuing",
	"certificates-key-manager",
	"certificates-request-manager",
	"certificates-readiness",
	"certificates-revision-manager",
	"certificaterequests-approver",
	"certificaterequests-issuer-ca",
	"certificaterequests-issuer-selfsigned",
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: certmanager controller|cainjector --kubeconfig FILE [--cluster-resource-namespace NS] [-v N]")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the API server")
	clusterNS := fs.String("cluster-resource-namespace", "cert-manager", "namespace of ClusterIssuer secrets")
	klog.InitFlags(fs)
	if err := fs.Parse(os.Args[2:]); err != nil || *kubeconfig == "" {
		usage()
	}
	logf.InitLogs()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log, mode)

	var err error
	switch mode {
	case "controller":
		err = runController(ctx, *kubeconfig, *clusterNS)
	case "cainjector":
		err = runCAInjector(ctx, *kubeconfig)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "certmanager %s: %v\n", mode, err)
		logf.FlushLogs()
		os.Exit(1)
	}
	logf.FlushLogs()
}

func runController(ctx context.Context, kubeconfig, clusterNS string) error {
	factory, err := controllerpkg.NewContextFactory(ctx, controllerpkg.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions: controllerpkg.IssuerOptions{
			ClusterResourceNamespace: clusterNS,
		},
		CertificateOptions: controllerpkg.CertificateOptions{
			// A failed issuance is retried after 5 s (cert-manager's default is 1 h), so a
			// scenario that races an issuer change never waits for the back-off.
			CertificateRequestMinimumBackoffDuration: 5 * time.Second,
			CertificateRequestMaximumBackoffDuration: time.Minute,
		},
	})
	if err != nil {
		return err
	}

	known := controllerpkg.Known()
	var names []string
	for name := range known {
		names = append(names, name)
	}
	sort.Strings(names)
	if fmt.Sprint(names) != fmt.Sprint(sortedCopy(controllers)) {
		return fmt.Errorf("registered controllers %v, expected %v", names, controllers)
	}

	// Every controller registers its informers while it is constructed; the shared factories
	// start only after all of them exist, and each controller waits for its caches.
	var running []controllerpkg.Interface
	for _, name := range controllers {
		c, err := known[name](factory)
		if err != nil {
			return fmt.Errorf("constructing %s: %w", name, err)
		}
		running = append(running, c)
	}
	shared, err := factory.Build()
	if err != nil {
		return err
	}
	shared.KubeSharedInformerFactory.Start(ctx.Done())
	shared.SharedInformerFactory.Start(ctx.Done())
	shared.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	shared.GWShared.Start(ctx.Done())
	klog.InfoS("controllers started", "controllers", controllers)

	var wg sync.WaitGroup
	errs := make(chan error, len(running))
	for i, c := range running {
		name := controllers[i]
		wg.Go(func() {
			if err := c.Run(5, ctx); err != nil {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func runCAInjector(ctx context.Context, kubeconfig string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cfg.UserAgent = "cert-manager-cainjector"
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(cmapi.AddToScheme(scheme))
	utilruntime.Must(apiextv1.AddToScheme(scheme))
	utilruntime.Must(apiregv1.AddToScheme(scheme))
	ctrl.SetLogger(logf.Log)

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		LeaderElection:         false,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// The injector watches Secrets as metadata only; their data is read from the API server.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	})
	if err != nil {
		return err
	}
	if err := cainjector.RegisterAllInjectors(ctx, mgr, cainjector.SetupOptions{
		EnableCertificatesDataSource: true,
		EnabledReconcilersFor: map[string]bool{
			cainjector.MutatingWebhookConfigurationName: true,
		},
	}); err != nil {
		return err
	}
	klog.InfoS("cainjector started")
	return mgr.Start(ctx)
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}
