module init-injector.test/standins

go 1.26
