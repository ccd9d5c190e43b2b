# Size budget of the generated assembly, for the Makefile to include
# (include gen/budget.mk) and check-generated to run after its diff:
#
#   check-generated: generate
#   	@git diff --exit-code -- ... (as now)
#   	@$(MAKE) --no-print-directory asm-size
#
# asm-size prints the lines and bytes of machine code of every TEXT symbol
# of asm/*.s, per file and in total, and fails when the total lines or
# bytes grow more than 10 % over asm/budget.txt. Raising the budget is a
# reviewed change: make asm-budget rewrites it with the current sizes.

.PHONY: asm-size asm-budget

## asm-size: the size of every TEXT symbol of asm/*.s against asm/budget.txt
asm-size:
	cd gen && $(GO) run ./cmd/asmsize -dir ../asm -budget ../asm/budget.txt

## asm-budget: write the current sizes of asm/*.s to asm/budget.txt (commit it for review)
asm-budget:
	cd gen && $(GO) run ./cmd/asmsize -dir ../asm -write ../asm/budget.txt -q
