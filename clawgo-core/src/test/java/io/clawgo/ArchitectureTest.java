package io.clawgo;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shape of clawgo-core, checked on its compiled classes: no cycles between packages, and the public API
 * ({@code io.clawgo} and its non-internal packages) neither depends on nor exposes {@code io.clawgo.internal}
 * except where the facades ({@code Gateway}, {@code NodeAgent}, {@code GatewayClient}) use it behind their methods.
 */
class ArchitectureTest {
    private static final String INTERNAL = "io.clawgo.internal..";
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.clawgo");

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void theApiPackagesDoNotDependOnInternals() {
        noClasses().that().resideInAnyPackage("io.clawgo.spi..", "io.clawgo.protocol..", "io.clawgo.config..",
                        "io.clawgo.subagent..")
                .should().dependOnClassesThat().resideInAPackage(INTERNAL)
                .check(MAIN);
    }

    @Test
    void internalsDoNotUseTheFacades() {
        noClasses().that().resideInAPackage(INTERNAL)
                .should().dependOnClassesThat().resideInAPackage("io.clawgo")
                .check(MAIN);
    }

    @Test
    void noPublicSignatureOutsideTheInternalPackagesNamesAnInternalType() {
        checkPublicSignatures("an internal type", ArchitectureTest::internal);
    }

    /** The JSON library is an implementation detail: no public signature names a Gson type (docs/api.md). */
    @Test
    void noPublicSignatureOutsideTheInternalPackagesNamesAGsonType() {
        checkPublicSignatures("a Gson type", t -> t != null && t.getPackageName().startsWith("com.google.gson"));
    }

    private static void checkPublicSignatures(String what, java.util.function.Predicate<JavaClass> forbidden) {
        ArchRuleDefinition.classes().that().resideOutsideOfPackage(INTERNAL).and().arePublic()
                .should(new ArchCondition<>("not name " + what + " in a public or protected member") {
                    @Override
                    public void check(JavaClass c, ConditionEvents events) {
                        List<String> found = new ArrayList<>();
                        for (JavaCodeUnit u : c.getCodeUnits()) {
                            if (!visible(u.getModifiers())) {
                                continue;
                            }
                            List<JavaClass> types = new ArrayList<>(u.getRawParameterTypes());
                            types.add(u.getRawReturnType());
                            types.addAll(u.getThrowsClause().getTypes());
                            types.stream().filter(forbidden)
                                    .forEach(t -> found.add(u.getFullName() + " uses " + t.getName()));
                        }
                        for (JavaField f : c.getFields()) {
                            if (visible(f.getModifiers()) && forbidden.test(f.getRawType())) {
                                found.add(f.getFullName() + " is a " + f.getRawType().getName());
                            }
                        }
                        if (forbidden.test(c.getRawSuperclass().orElse(null))) {
                            found.add(c.getName() + " extends " + what);
                        }
                        c.getRawInterfaces().stream().filter(forbidden)
                                .forEach(i -> found.add(c.getName() + " implements " + i.getName()));
                        found.forEach(m -> events.add(SimpleConditionEvent.violated(c, m)));
                    }
                })
                .check(MAIN);
    }

    private static boolean visible(java.util.Set<JavaModifier> modifiers) {
        return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
    }

    private static boolean internal(JavaClass t) {
        return t != null && t.getPackageName().startsWith("io.clawgo.internal");
    }
}
