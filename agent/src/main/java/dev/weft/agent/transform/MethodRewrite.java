package dev.weft.agent.transform;

import java.util.List;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;

/**
 * One async method through passes 1 to 6 (README.md beside this file): the method node becomes the entry, and
 * {@link #body()} the synthetic method that holds the state machine; {@link #layout()} is what the frame class
 * declares.
 */
final class MethodRewrite {
    private final MethodNode body;
    private final FrameClassWriter.Layout layout;

    /**
     * @param compact the shape for a method too large for the default one: awaits save every primitive so that
     *     restores share code ({@link SpillCode})
     */
    MethodRewrite(ClassContext ctx, MethodNode method, String frameClass, boolean compact)
            throws AnalyzerException {
        InsnList insns = method.instructions;
        for (AbstractInsnNode n = insns.getFirst(); n != null; ) {
            AbstractInsnNode next = n.getNext();
            if (n instanceof FrameNode) {
                insns.remove(n);
            }
            n = next;
        }
        AwaitCalls.normalize(method);
        ReturnAdoption.process(method);
        UninitializedObjects.process(ctx, method);
        method.maxStack += 4;

        SpillPlan plan = SpillPlan.of(ctx, method, compact);
        List<LocalVariableNode> parameters = StateMachineEntry.parameterVariables(method);
        StateMachineBody.Built built = StateMachineBody.build(ctx, method, plan, frameClass, compact);
        body = built.body();
        DeadCode.remove(ctx.name, body);
        VariableRanges.restrict(ctx.name, body, StateMachineBody.Slots.of(method), built.start());
        StateMachineEntry.forwarding(ctx, method, frameClass, parameters);
        layout = new FrameClassWriter.Layout(frameClass, plan.fields(), method.name, plan.awaitLines());
    }

    MethodNode body() {
        return body;
    }

    FrameClassWriter.Layout layout() {
        return layout;
    }
}
