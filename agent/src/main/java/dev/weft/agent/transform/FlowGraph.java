package dev.weft.agent.transform;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;

/**
 * The control-flow graph of a method (normal and exception edges), and the two data-flow facts the
 * transformation needs from it: which locals are live at an await (so only those are saved), and how many
 * monitors are held there (an await inside {@code synchronized} is refused).
 */
final class FlowGraph {
    private final InsnList insns;
    private final List<List<Integer>> successors = new ArrayList<>();
    private final List<List<Integer>> exceptionSuccessors = new ArrayList<>();
    private final int maxLocals;

    private FlowGraph(MethodNode method) {
        this.insns = method.instructions;
        this.maxLocals = method.maxLocals;
        for (int i = 0; i < insns.size(); i++) {
            successors.add(new ArrayList<>(2));
            exceptionSuccessors.add(new ArrayList<>(1));
        }
    }

    static FlowGraph of(String owner, MethodNode method) throws AnalyzerException {
        FlowGraph graph = new FlowGraph(method);
        Analyzer<BasicValue> analyzer = new Analyzer<>(new BasicInterpreter()) {
            @Override
            protected void newControlFlowEdge(int insn, int successor) {
                graph.successors.get(insn).add(successor);
            }

            @Override
            protected boolean newControlFlowExceptionEdge(int insn, int successor) {
                graph.exceptionSuccessors.get(insn).add(successor);
                return true;
            }
        };
        analyzer.analyze(owner, method);
        return graph;
    }

    /**
     * Live locals at the entry of each instruction: read later on some path before being written. An exception
     * edge adds the handler's live set without the instruction's own writes (it may throw before writing).
     */
    BitSet[] liveIn() {
        int n = insns.size();
        BitSet[] in = new BitSet[n];
        for (int i = 0; i < n; i++) {
            in[i] = new BitSet(maxLocals);
        }
        List<List<Integer>> predecessors = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            predecessors.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            for (int s : successors.get(i)) {
                predecessors.get(s).add(i);
            }
            for (int s : exceptionSuccessors.get(i)) {
                predecessors.get(s).add(i);
            }
        }
        Deque<Integer> work = new ArrayDeque<>();
        boolean[] queued = new boolean[n];
        for (int i = n - 1; i >= 0; i--) {
            work.add(i);
            queued[i] = true;
        }
        while (!work.isEmpty()) {
            int i = work.poll();
            queued[i] = false;
            BitSet out = new BitSet(maxLocals);
            for (int s : successors.get(i)) {
                out.or(in[s]);
            }
            AbstractInsnNode insn = insns.get(i);
            BitSet next = (BitSet) out.clone();
            int var = -1;
            if (insn instanceof VarInsnNode v) {
                var = v.var;
                int op = v.getOpcode();
                if (op >= Opcodes.ISTORE && op <= Opcodes.ASTORE) {
                    next.clear(var);
                    if (op == Opcodes.LSTORE || op == Opcodes.DSTORE) {
                        next.clear(var + 1);
                    }
                } else {
                    next.set(var);
                }
            } else if (insn instanceof IincInsnNode inc) {
                next.set(inc.var);
            }
            for (int s : exceptionSuccessors.get(i)) {
                next.or(in[s]);
            }
            if (!next.equals(in[i])) {
                in[i] = next;
                for (int p : predecessors.get(i)) {
                    if (!queued[p]) {
                        queued[p] = true;
                        work.add(p);
                    }
                }
            }
        }
        return in;
    }

    /** The most monitors held at each instruction over all paths reaching it (-1 where unreachable). */
    int[] monitorDepth() {
        int n = insns.size();
        int[] depth = new int[n];
        java.util.Arrays.fill(depth, -1);
        if (n == 0) {
            return depth;
        }
        Deque<Integer> work = new ArrayDeque<>();
        depth[0] = 0;
        work.add(0);
        while (!work.isEmpty()) {
            int i = work.poll();
            int op = insns.get(i).getOpcode();
            int after = depth[i] + (op == Opcodes.MONITORENTER ? 1 : op == Opcodes.MONITOREXIT ? -1 : 0);
            after = Math.min(Math.max(after, 0), 255);
            for (int s : successors.get(i)) {
                if (after > depth[s]) {
                    depth[s] = after;
                    work.add(s);
                }
            }
            for (int s : exceptionSuccessors.get(i)) {
                if (depth[i] > depth[s]) {
                    depth[s] = depth[i];
                    work.add(s);
                }
            }
        }
        return depth;
    }

    /**
     * The locals definitely assigned at the entry of each instruction ({@code null} where unreachable): assigned
     * on every path from the method's start, where {@code atStart} are, and from {@code seeds} (instruction index
     * to the locals a jump there brings). An exception edge carries the state before the instruction.
     */
    BitSet[] definitelyAssigned(BitSet atStart, java.util.Map<Integer, BitSet> seeds) {
        int n = insns.size();
        BitSet[] in = new BitSet[n];
        if (n == 0) {
            return in;
        }
        Deque<Integer> work = new ArrayDeque<>();
        in[0] = (BitSet) atStart.clone();
        work.add(0);
        while (!work.isEmpty()) {
            int i = work.poll();
            BitSet state = (BitSet) in[i].clone();
            BitSet seed = seeds.get(i);
            if (seed != null) {
                state.or(seed);
            }
            BitSet out = (BitSet) state.clone();
            if (insns.get(i) instanceof VarInsnNode v && v.getOpcode() >= Opcodes.ISTORE
                    && v.getOpcode() <= Opcodes.ASTORE) {
                out.set(v.var);
            }
            for (int s : successors.get(i)) {
                flowInto(in, work, s, out, seeds);
            }
            for (int s : exceptionSuccessors.get(i)) {
                flowInto(in, work, s, state, seeds);
            }
        }
        for (java.util.Map.Entry<Integer, BitSet> e : seeds.entrySet()) {
            if (in[e.getKey()] != null) {
                in[e.getKey()].or(e.getValue());
            }
        }
        return in;
    }

    private static void flowInto(BitSet[] in, Deque<Integer> work, int target, BitSet state,
                                 java.util.Map<Integer, BitSet> seeds) {
        if (in[target] == null) {
            in[target] = (BitSet) state.clone();
            work.add(target);
            return;
        }
        BitSet merged = (BitSet) in[target].clone();
        merged.and(state);
        if (!merged.equals(in[target])) {
            in[target] = merged;
            work.add(target);
        }
    }
}
