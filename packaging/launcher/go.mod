module kubectl-kr/launcher

go 1.24
