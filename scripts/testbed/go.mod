module kotestbed/runimg

go 1.19
